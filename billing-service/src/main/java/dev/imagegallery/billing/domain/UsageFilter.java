package dev.imagegallery.billing.domain;

import dev.imagegallery.common.arm.ArmException;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Locale;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code $filter} of {@code Microsoft.Consumption/usageDetails}, the subset Azure documents for usage details:
 * clauses {@code <property> <op> '<value>'} joined by {@code and} (Azure supports neither {@code or}, {@code ne} nor
 * {@code not}), on
 * <ul>
 * <li>{@code properties/usageStart}, {@code properties/usageEnd} (and {@code properties/date}) with {@code eq},
 * {@code ge}, {@code gt}, {@code le}, {@code lt} and a date ({@code yyyy-MM-dd}, or a date-time whose date is taken):
 * the days of the query, with {@code startDate}/{@code endDate} (every line is one UTC day, so its start and end are
 * that day);</li>
 * <li>{@code properties/resourceGroup}, {@code properties/resourceName}, {@code properties/resourceId} with
 * {@code eq}, compared without regard to case as ARM compares names;</li>
 * <li>{@code properties/chargeType} ({@code Usage}) and {@code properties/publisherType} ({@code Azure}) with
 * {@code eq}: every line here is Azure usage, so another value matches none.</li>
 * </ul>
 * Anything else is refused (400 {@code InvalidFilter}, target {@code $filter}) rather than ignored: a filter that is
 * silently dropped answers lines the caller asked to leave out. Tags are not recorded on usage lines, so a tag filter is
 * refused too.
 */
public record UsageFilter(LocalDate from, LocalDate until, Predicate<Line> lines) {
    /** What a clause on a line's resource looks at. */
    public record Line(String resourceId, String resourceGroup, String resourceName) {
    }

    public static final UsageFilter NONE = new UsageFilter(null, null, l -> true);
    static final String TARGET = "$filter";
    private static final int MAX_LENGTH = 2048;
    private static final Pattern CLAUSE = Pattern.compile(
            "\\s*([A-Za-z][A-Za-z/]*)\\s+([A-Za-z]+)\\s+'((?:[^']|'')*)'\\s*");
    private static final Pattern AND = Pattern.compile("(?i)and(?=\\s)");

    /** Parses a {@code $filter}; blank is no filter. */
    public static UsageFilter parse(String filter) {
        if (filter == null || filter.isBlank()) {
            return NONE;
        }
        if (filter.length() > MAX_LENGTH) {
            throw invalid(filter, "it is longer than " + MAX_LENGTH + " characters");
        }
        LocalDate from = null;
        LocalDate until = null;
        List<Predicate<Line>> tests = new ArrayList<>();
        Matcher m = CLAUSE.matcher(filter);
        int at = 0;
        while (true) {
            if (!m.find(at) || m.start() != at) {
                throw invalid(filter, "write clauses as <property> <eq|ge|gt|le|lt> '<value>' joined by 'and'");
            }
            String property = m.group(1).toLowerCase(Locale.ROOT);
            String op = m.group(2).toLowerCase(Locale.ROOT);
            String value = m.group(3).replace("''", "'");
            switch (property) {
                case "properties/usagestart", "properties/usageend", "properties/date" -> {
                    LocalDate d = date(filter, value);
                    switch (op) {
                        case "eq" -> {
                            from = later(from, d);
                            until = earlier(until, d);
                        }
                        case "ge" -> from = later(from, d);
                        // past the last day of year 9999 (or before the first of year 1) is no day: the filter
                        // leaves none (the day after 9999-12-31 was refused as '+10000-01-01' of 'startDate')
                        case "gt" -> from = later(from, d.equals(Dates.LAST) ? NO_DAY : d.plusDays(1));
                        case "le" -> until = earlier(until, d);
                        case "lt" -> until = earlier(until, d.equals(Dates.FIRST) ? BEFORE_ALL : d.minusDays(1));
                        default -> throw invalid(filter, "'" + op + "' is not supported (eq, ge, gt, le, lt)");
                    }
                }
                case "properties/resourcegroup" -> tests.add(eq(filter, op, l -> l.resourceGroup(), value));
                case "properties/resourcename" -> tests.add(eq(filter, op, l -> l.resourceName(), value));
                case "properties/resourceid" -> tests.add(eq(filter, op, l -> l.resourceId(), value));
                case "properties/chargetype" -> tests.add(eq(filter, op, l -> "Usage", value));
                case "properties/publishertype" -> tests.add(eq(filter, op, l -> "Azure", value));
                default -> throw invalid(filter, "the property '" + m.group(1) + "' cannot be filtered on (properties/"
                        + "usageStart, usageEnd, resourceGroup, resourceName, resourceId, chargeType, publisherType)");
            }
            at = m.end();
            if (at == filter.length()) {
                break;
            }
            Matcher and = AND.matcher(filter);
            if (!and.find(at) || and.start() != at) {
                throw invalid(filter, "clauses are joined by 'and' ('or' and 'not' are not supported)");
            }
            at = and.end();
        }
        return new UsageFilter(from, until, l -> tests.stream().allMatch(t -> t.test(l)));
    }

    /**
     * The first day of the query: the later of {@code startDate} and the filter's. A malformed {@code startDate} is
     * answered as given, for the period to refuse it as it does without a filter.
     */
    public String startDate(String startDate) {
        LocalDate given = dateOrNull(startDate);
        if (from == null || given == null && !isBlank(startDate)) {
            return startDate;
        }
        return given == null || from.isAfter(given) ? from.toString() : startDate;
    }

    /** The last day of the query: the earlier of {@code endDate} and the filter's (a malformed one as given). */
    public String endDate(String endDate) {
        LocalDate given = dateOrNull(endDate);
        if (until == null || given == null && !isBlank(endDate)) {
            return endDate;
        }
        return given == null || until.isBefore(given) ? until.toString() : endDate;
    }

    /** Markers of a filter that leaves no day: a first day after every day, a last day before every day. */
    private static final LocalDate NO_DAY = LocalDate.MAX;
    private static final LocalDate BEFORE_ALL = LocalDate.MIN;

    /**
     * Whether the filter's days and the query's leave none, {@code today} the last day of a query that names none (a
     * filter that excludes every day answers no lines: {@code usageStart ge} a day after today was refused as a
     * startDate after today; the query's own {@code startDate} after its {@code endDate} is still refused).
     */
    public boolean excludesAll(String startDate, String endDate, LocalDate today) {
        if (from == null && until == null) {
            return false;
        }
        if (NO_DAY.equals(from) || BEFORE_ALL.equals(until)) {
            return true;
        }
        LocalDate start = dateOrNull(startDate(startDate));
        String last = endDate(endDate);
        LocalDate end = isBlank(last) ? today : dateOrNull(last);
        return start != null && end != null && start.isAfter(end);
    }

    /** Where the query's first day comes from, for a refusal to name: {@code startDate} or {@code $filter}. */
    public String startTarget(String startDate) {
        return Objects.equals(startDate(startDate), startDate) ? "startDate" : "$filter";
    }

    /** Where the query's last day comes from: {@code endDate} or {@code $filter}. */
    public String endTarget(String endDate) {
        return Objects.equals(endDate(endDate), endDate) ? "endDate" : "$filter";
    }

    /** A query parameter's date, or null when it is absent or malformed (the period refuses a malformed one). */
    private static LocalDate dateOrNull(String s) {
        if (isBlank(s)) {
            return null;
        }
        return Dates.parse(s);
    }

    private static Predicate<Line> eq(String filter, String op, java.util.function.Function<Line, String> property,
                                      String value) {
        if (!op.equals("eq")) {
            throw invalid(filter, "'" + op + "' is not supported on this property (eq)");
        }
        return l -> value.equalsIgnoreCase(property.apply(l));
    }

    private static LocalDate date(String filter, String value) {
        String day = value.length() > 10 && value.charAt(10) == 'T' ? value.substring(0, 10) : value;
        LocalDate parsed = Dates.parse(day); // years 0001 to 9999: +99999-01-01 was a day
        if (parsed == null) {
            throw invalid(filter, "'" + value + "' is not a date (yyyy-MM-dd)");
        }
        return parsed;
    }

    private static LocalDate later(LocalDate a, LocalDate b) {
        return a == null || b.isAfter(a) ? b : a;
    }

    private static LocalDate earlier(LocalDate a, LocalDate b) {
        return a == null || b.isBefore(a) ? b : a;
    }

    private static boolean isBlank(String s) {
        return s == null || s.isBlank();
    }

    private static ArmException invalid(String filter, String why) {
        String shown = filter.length() > 200 ? filter.substring(0, 200) + "..." : filter;
        return ArmException.invalid("InvalidFilter", "The $filter '" + shown + "' is not supported: " + why + ".",
                TARGET);
    }
}
