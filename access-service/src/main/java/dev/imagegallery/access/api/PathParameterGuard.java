package dev.imagegallery.access.api;

import dev.imagegallery.access.domain.Inputs;
import dev.imagegallery.common.arm.ArmException;
import jakarta.ws.rs.core.UriInfo;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import java.util.List;
import java.util.Map;

/**
 * Every path parameter of access-service's routes, as decoded ({@code %00} is a NUL), is refused before a resource
 * sees it when it holds a control character or is longer than any name here can be: 400 naming the parameter. Query
 * parameters get the same check in common's RequestGuard; JSON bodies in common's StrictJson.
 */
public class PathParameterGuard {
    static final int MAX = 1024;

    @ServerRequestFilter
    public void check(UriInfo uri) {
        for (Map.Entry<String, List<String>> p : uri.getPathParameters(true).entrySet()) {
            for (String v : p.getValue()) {
                if (v.length() > MAX) {
                    throw ArmException.invalidParameter(p.getKey(), "The path parameter '" + p.getKey()
                            + "' is longer than " + MAX + " characters.");
                }
                for (int i = 0; i < v.length(); i++) {
                    if (Character.isISOControl(v.charAt(i))) {
                        throw ArmException.invalidParameter(p.getKey(), "The path parameter '" + p.getKey()
                                + "' contains a control character: '" + Inputs.shown(v) + "'.");
                    }
                }
            }
        }
    }
}
