package dev.imagegallery.billing.domain;

import java.time.Instant;
import java.util.List;

/** A stored version of the price sheet: its rates, who made it and when. */
public record PriceSheetVersion(PriceSheet sheet, Instant createdAt, String createdBy) {

    /** The rates as stored (the {@code rates} JSON document of a version). */
    public record Rates(List<PriceSheet.StorageRate> storage, List<PriceSheet.EgressRate> egress) {
    }
}
