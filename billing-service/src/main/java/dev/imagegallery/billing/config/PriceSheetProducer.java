package dev.imagegallery.billing.config;

import dev.imagegallery.billing.domain.PriceSheet;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** The {@link PriceSheet} the service prices usage with, built once from {@link BillingConfig}. */
@ApplicationScoped
public class PriceSheetProducer {

    @Produces
    @Singleton
    PriceSheet priceSheet(BillingConfig config) {
        var p = config.prices();
        return PriceSheet.of(p.standardLrs(), p.standardZrs(), p.premiumLrs(), p.egressWithinGeography(),
                p.egressBetweenGeographies());
    }
}
