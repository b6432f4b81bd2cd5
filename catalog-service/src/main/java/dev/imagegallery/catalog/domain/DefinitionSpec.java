package dev.imagegallery.catalog.domain;

import dev.imagegallery.common.arm.ArmException;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * An image definition as a PUT or PATCH asks for it: what the client sent, null where absent.
 *
 * @param properties null when the request carried no {@code properties}
 */
public record DefinitionSpec(String location, Map<String, String> tags, Properties properties) {
    public record Properties(String osType, String osState, String hyperVGeneration, String architecture,
                             Identifier identifier, String description, String eula, String privacyStatementUri,
                             String releaseNoteUri, Recommended recommended, Disallowed disallowed,
                             List<Feature> features, Instant endOfLifeDate, PurchasePlan purchasePlan,
                             Boolean allowUpdateImage) {
    }

    public record Identifier(String publisher, String offer, String sku) {
    }

    /** {@code disallowed}: present with or without its disk types. */
    public record Disallowed(List<String> diskTypes) {
    }

    /** A feature; {@code startsAtVersion}, when given, the lowest version it applies to (Major.Minor.Patch). */
    public record Feature(String name, String value, String startsAtVersion) {
    }

    /** Azure's marketplace purchase plan: plain data. */
    public record PurchasePlan(String name, String publisher, String product) {
    }

    /**
     * The features as the client sent them, checked: each {@code startsAtVersion} a version name, each string of
     * bounded length; null when absent.
     */
    public static List<Feature> features(List<Feature> features) {
        if (features == null) {
            return null;
        }
        for (int i = 0; i < features.size(); i++) {
            Feature f = features.get(i);
            String at = "properties.features[" + i + "]";
            if (f == null) {
                throw ArmException.invalidParameter(at, "A feature must be an object with 'name' and 'value'.");
            }
            Validation.length(f.name(), 256, at + ".name");
            Validation.length(f.value(), 1024, at + ".value");
            if (f.startsAtVersion() != null) {
                try {
                    VersionNumber.of(f.startsAtVersion());
                } catch (ArmException e) {
                    throw ArmException.invalidParameter(at + ".startsAtVersion", "The value of '" + at
                            + ".startsAtVersion' must be a version name, Major.Minor.Patch.");
                }
            }
        }
        return features;
    }

    /** The purchase plan checked (each part at most 256 characters). */
    public static PurchasePlan purchasePlan(PurchasePlan plan) {
        if (plan != null) {
            Validation.length(plan.name(), 256, "properties.purchasePlan.name");
            Validation.length(plan.publisher(), 256, "properties.purchasePlan.publisher");
            Validation.length(plan.product(), 256, "properties.purchasePlan.product");
        }
        return plan;
    }
    /** What a new or replaced definition fixes at creation, validated (defaults: hyperVGeneration V1, x64). */
    public record Fixed(String location, String osType, String osState, String hyperVGeneration, String architecture,
                        String publisher, String offer, String sku) {
        /** The identifier as one string, as the immutability rule compares it. */
        public String identifier() {
            return publisher + "/" + offer + "/" + sku;
        }
    }

    /**
     * The rules of a PUT's properties that need no database: required enums and identifier, lengths, the recommended
     * ranges, an end of life in the future. Each failure names its field.
     */
    public static Fixed check(DefinitionSpec spec, Instant now) {
        if (spec == null || spec.properties() == null) {
            throw ArmException.invalid("InvalidRequestContent", "The request body must carry 'properties'.",
                    "properties");
        }
        var p = spec.properties();
        String location = Validation.region(spec.location(), "location");
        String osType = Validation.oneOf(Validation.OS_TYPES, p.osType(), null, "properties.osType");
        String osState = Validation.oneOf(Validation.OS_STATES, p.osState(), null, "properties.osState");
        String hyperV = Validation.oneOf(Validation.HYPER_V, p.hyperVGeneration(), "V1",
                "properties.hyperVGeneration");
        String arch = Validation.oneOf(Validation.ARCHITECTURES, p.architecture(), "x64", "properties.architecture");
        if (p.identifier() == null) {
            throw ArmException.invalidParameter("properties.identifier", "The value of 'properties.identifier' "
                    + "(publisher, offer, sku) is required.");
        }
        String publisher = Validation.identifierPart(p.identifier().publisher(), 128,
                "properties.identifier.publisher");
        String offer = Validation.identifierPart(p.identifier().offer(), 64, "properties.identifier.offer");
        String sku = Validation.identifierPart(p.identifier().sku(), 64, "properties.identifier.sku");
        if (p.recommended() != null) {
            p.recommended().check();
        }
        Validation.future(p.endOfLifeDate(), now, "properties.endOfLifeDate");
        return new Fixed(location, osType, osState, hyperV, arch, publisher, offer, sku);
    }
}
