package dev.imagegallery.billing.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.LocalDate;
import java.util.List;

/** billing-service settings: the first price sheet (USD), who administers prices, invoicing and metering limits. */
@ConfigMapping(prefix = "gallery.billing")
public interface BillingConfig {

    /**
     * The price sheet stored at the first start (when the database has none), in effect from
     * {@link Prices#effectiveFrom()}. Later versions are made through the price sheet API.
     */
    Prices prices();

    /**
     * The billing administrators, who may change the price sheet: {@code tenantId:principalId} entries (the token's
     * {@code tid} and {@code sub}). Everyone else gets 403.
     */
    @WithDefault("contoso:a11ce000-0000-4000-8000-000000000001")
    List<String> administrators();

    Invoices invoices();

    Metering metering();

    interface Prices {
        /** The day the first price sheet takes effect. */
        @WithDefault("2000-01-01")
        LocalDate effectiveFrom();

        /** USD per GiB-month stored on Standard_LRS replicas. */
        @WithDefault("0.05")
        BigDecimal standardLrs();

        /** USD per GiB-month stored on Standard_ZRS replicas. */
        @WithDefault("0.05")
        BigDecimal standardZrs();

        /** USD per GiB-month stored on Premium_LRS replicas. */
        @WithDefault("0.132")
        BigDecimal premiumLrs();

        /** USD per GiB moved between two regions of one geography (e.g. westeurope to northeurope). */
        @WithDefault("0.02")
        BigDecimal egressWithinGeography();

        /** USD per GiB moved between regions of different geographies (e.g. westeurope to eastus). */
        @WithDefault("0.05")
        BigDecimal egressBetweenGeographies();
    }

    interface Invoices {
        /** How long after a month ends (UTC) its invoices are issued, so that events in flight are in them. */
        @WithDefault("PT1H")
        Duration closeAfter();

        /** How often the job that issues the invoices of ended months runs ({@code off} disables it). */
        @WithDefault("1h")
        String closeEvery();
    }

    interface Metering {
        /** The largest byte count a usage event may carry (1 PiB); more is absurd and dead-lettered. */
        @WithDefault("1125899906842624")
        long maxBytes();

        /** The largest regional replica count a storage event may carry. */
        @WithDefault("1000")
        int maxReplicaCount();

        /** How far in the future a usage time may lie (clock skew between services). */
        @WithDefault("PT1H")
        Duration maxClockSkew();
    }
}
