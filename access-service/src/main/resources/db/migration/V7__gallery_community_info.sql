-- Issue 17: the community publication a gallery's sharingProfile asked for (catalog-service's GalleryChanged,
-- communityGalleryInfo as JSON), which a share action EnableCommunity without information of its own publishes.
ALTER TABLE gallery_view ADD COLUMN community_info text;
