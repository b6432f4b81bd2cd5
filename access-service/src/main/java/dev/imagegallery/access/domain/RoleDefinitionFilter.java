package dev.imagegallery.access.domain;

import dev.imagegallery.common.arm.ArmException;
import dev.imagegallery.common.security.BuiltInRoles;

import java.util.Locale;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code $filter} of a role definitions list, as ARM takes it: {@code roleName eq 'Reader'} (that role alone),
 * {@code type eq 'BuiltInRole'} or {@code 'CustomRole'}, joined with {@code and}. Names and keywords are compared
 * without regard to case; a quote inside a value is doubled ({@code 'it''s'}). Anything else is 400 naming
 * {@code $filter}: a filter that is not understood must not answer every role (the Azure SDK's
 * {@code withBuiltInRole} takes the first role of the answer).
 */
public final class RoleDefinitionFilter {
    static final int MAX_LENGTH = 300;
    private static final Pattern CLAUSE = Pattern.compile(
            "\\s*(roleName|type)\\s+eq\\s+'((?:[^']|'')*)'\\s*(?:(and)(?=\\s)|$)", Pattern.CASE_INSENSITIVE);

    private RoleDefinitionFilter() {
    }

    /** The roles {@code filter} selects (every role for none). */
    public static Predicate<BuiltInRoles.Role> parse(String filter) {
        if (filter == null || filter.isBlank()) {
            return r -> true;
        }
        if (filter.length() > MAX_LENGTH) {
            throw refused("The $filter is longer than " + MAX_LENGTH + " characters.");
        }
        Predicate<BuiltInRoles.Role> all = r -> true;
        Matcher m = CLAUSE.matcher(filter);
        int at = 0;
        boolean more = true;
        while (more) {
            if (!m.find(at) || m.start() != at) {
                throw refused("The $filter '" + Inputs.shown(filter) + "' is not supported; use roleName eq '{name}'"
                        + " and/or type eq 'BuiltInRole' or 'CustomRole', joined with and.");
            }
            String value = m.group(2).replace("''", "'");
            Predicate<BuiltInRoles.Role> clause;
            if (m.group(1).equalsIgnoreCase("roleName")) {
                clause = r -> r.name().equalsIgnoreCase(value);
            } else {
                String type = value.toLowerCase(Locale.ROOT);
                if (!type.equals("builtinrole") && !type.equals("customrole")) {
                    throw refused("The role type '" + Inputs.shown(value) + "' is neither BuiltInRole nor CustomRole.");
                }
                boolean builtIn = type.equals("builtinrole");
                clause = r -> builtIn; // every role here is built in; there are no custom roles
            }
            all = all.and(clause);
            at = m.end();
            more = m.group(3) != null;
        }
        if (at != filter.length()) {
            throw refused("The $filter '" + Inputs.shown(filter) + "' is not supported.");
        }
        return all;
    }

    private static ArmException refused(String message) {
        return ArmException.invalid("InvalidFilter", message, "$filter");
    }
}
