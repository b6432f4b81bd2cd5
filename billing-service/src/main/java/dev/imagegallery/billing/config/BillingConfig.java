package dev.imagegallery.billing.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.math.BigDecimal;

/** billing-service settings: the price sheet (USD). Defaults are the list prices; override per deployment. */
@ConfigMapping(prefix = "gallery.billing")
public interface BillingConfig {

    Prices prices();

    interface Prices {
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
}
