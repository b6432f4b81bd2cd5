package dev.imagegallery.catalog.domain;

import dev.imagegallery.common.arm.ArmException;

/**
 * Major.Minor.Patch, each a non-negative 32-bit integer; versions order by Major, then Minor, then Patch (so 1.10.0
 * follows 1.9.0), which is the order of lists, of keyset paging and of {@code latest}.
 */
public record VersionNumber(long major, long minor, long patch) implements Comparable<VersionNumber> {
    /** A version's name, written canonically (400 InvalidGalleryImageVersionName naming {@code name} otherwise). */
    public static VersionNumber of(String name) {
        long[] parts = Validation.version(name);
        return new VersionNumber(parts[0], parts[1], parts[2]);
    }

    /** The version a keyset {@code $skiptoken} names (400 naming {@code $skiptoken} when it names none). */
    public static VersionNumber ofToken(String name) {
        String[] parts = name.split("\\.", -1);
        try {
            if (parts.length == 3) {
                var v = new VersionNumber(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]),
                        Integer.parseInt(parts[2]));
                if (v.major >= 0 && v.minor >= 0 && v.patch >= 0) {
                    return v;
                }
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw ArmException.invalidParameter("$skiptoken", "The $skiptoken is not valid.");
    }

    @Override
    public int compareTo(VersionNumber o) {
        int c = Long.compare(major, o.major);
        if (c == 0) {
            c = Long.compare(minor, o.minor);
        }
        return c != 0 ? c : Long.compare(patch, o.patch);
    }

    @Override
    public String toString() {
        return major + "." + minor + "." + patch;
    }
}
