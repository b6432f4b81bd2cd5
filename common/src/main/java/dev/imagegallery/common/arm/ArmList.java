package dev.imagegallery.common.arm;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;
import java.util.function.Function;

/**
 * An ARM list body, the one shape of every list every service answers: {@code {"value": [...], "nextLink": ...}}.
 * {@code nextLink} is always written: the absolute link to the next page (see {@link Paging}), or {@code null} on the
 * last one, as ARM writes it.
 */
public record ArmList<T>(List<T> value, @JsonInclude(JsonInclude.Include.ALWAYS) String nextLink) {
    /** A list answered whole, in one page. */
    public static <T> ArmList<T> of(List<T> value) {
        return new ArmList<>(value, null);
    }

    /** The same page with each item mapped (for instance a row to its body). */
    public <R> ArmList<R> map(Function<? super T, ? extends R> mapper) {
        return new ArmList<>(value.stream().<R>map(mapper).toList(), nextLink);
    }
}
