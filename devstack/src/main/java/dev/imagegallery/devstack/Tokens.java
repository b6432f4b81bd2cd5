package dev.imagegallery.devstack;

/** Signed tokens of the seeded users from the {@link TestIssuer}. */
public final class Tokens {
    private Tokens() {
    }

    public static String alice() {
        return TestIssuer.shared().token(Realms.CONTOSO, Realms.ALICE).sign();
    }

    public static String carol() {
        return TestIssuer.shared().token(Realms.CONTOSO, Realms.CAROL).sign();
    }

    public static String bob() {
        return TestIssuer.shared().token(Realms.FABRIKAM, Realms.BOB).sign();
    }

    public static TestIssuer.Token of(String realm, String subject) {
        return TestIssuer.shared().token(realm, subject);
    }
}
