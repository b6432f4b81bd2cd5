package dev.imagegallery.common.http;

import java.util.regex.Pattern;

/**
 * An e-mail address as a contact other users are shown (a community gallery's {@code publisherContact}): one rule for
 * catalog-service, which keeps it, and access-service, which publishes it. They disagreed: catalog-service took
 * {@code a@localhost}, which access-service then refused at publication, and both took {@code mailto:a@b.com}. A
 * dot-atom local part of at most 64 characters (RFC 5322's atext: no colon, no brackets, no quotes), a domain of
 * letters, digits and hyphens in two labels or more, at most 254 characters in all.
 */
public final class EmailAddress {
    private static final String ATEXT = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]";
    private static final String LABEL = "[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?";
    private static final Pattern ADDRESS = Pattern.compile("^(" + ATEXT + "+(?:\\." + ATEXT + "+)*)@" + LABEL
            + "(?:\\." + LABEL + ")+$");

    private EmailAddress() {
    }

    public static boolean isValid(String value) {
        if (value == null || value.length() > 254) {
            return false;
        }
        var m = ADDRESS.matcher(value);
        return m.matches() && m.group(1).length() <= 64;
    }
}
