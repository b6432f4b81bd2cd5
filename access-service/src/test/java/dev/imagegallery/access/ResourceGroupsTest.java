package dev.imagegallery.access;

import dev.imagegallery.devstack.InfraResource;
import dev.imagegallery.devstack.Realms;
import dev.imagegallery.devstack.TestInfra;
import dev.imagegallery.devstack.Tokens;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;

import java.sql.DriverManager;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ARM's resource groups, which Azure's SDKs and quickstarts make first (Python's
 * {@code resource_groups.create_or_update} at 2022-09-01 was a 400 naming 2022-12-01, then a 404 at it): made, read,
 * checked for, listed, tagged and deleted; a group that holds a gallery is there implicitly and is not deleted.
 */
@QuarkusTest
@WithTestResource(value = InfraResource.class, initArgs = @ResourceArg(name = "database", value = "access"),
        scope = TestResourceScope.MATCHING_RESOURCES)
class ResourceGroupsTest {
    static final String API = "?api-version=2022-09-01";
    static final String SUB = "/subscriptions/" + Realms.CONTOSO_SUBSCRIPTION;

    static String group() {
        return "rg-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Test
    void aGroupIsMadeReadListedTaggedAndDeletedAsArmDoesIt() {
        String rg = group();
        String path = SUB + "/resourcegroups/" + rg + API; // as the SDKs spell it
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON)
                .body("{\"location\":\"West Europe\",\"tags\":{\"team\":\"images\"}}").put(path).then().statusCode(201)
                .body("id", is(SUB + "/resourceGroups/" + rg)).body("name", is(rg))
                .body("type", is("Microsoft.Resources/resourceGroups")).body("location", is("westeurope"))
                .body("tags.team", is("images")).body("properties.provisioningState", is("Succeeded"));
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body("{\"location\":\"westeurope\"}")
                .put(path).then().statusCode(200);
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body("{\"location\":\"northeurope\"}")
                .put(path).then().statusCode(409).body("error.code", is("InvalidResourceGroupLocation"));
        given().auth().oauth2(Tokens.alice()).get(path).then().statusCode(200).body("location", is("westeurope"));
        given().auth().oauth2(Tokens.alice()).head(path).then().statusCode(204);
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body("{\"tags\":{\"env\":\"prod\"}}")
                .patch(path).then().statusCode(200).body("tags.env", is("prod"));
        given().auth().oauth2(Tokens.alice()).get(SUB + "/resourceGroups" + API).then().statusCode(200)
                .body("value.name", hasItem(rg));
        // nobody else's: carol (no role) and bob (another tenant) do not see it
        given().auth().oauth2(Tokens.carol()).get(path).then().statusCode(404);
        given().auth().oauth2(Tokens.bob()).get(path).then().statusCode(404);
        given().auth().oauth2(Tokens.bob()).contentType(ContentType.JSON).body("{\"location\":\"westeurope\"}")
                .put(path).then().statusCode(404);
        given().auth().oauth2(Tokens.alice()).delete(path).then().statusCode(200);
        given().auth().oauth2(Tokens.alice()).get(path).then().statusCode(404)
                .body("error.code", is("ResourceGroupNotFound"));
        given().auth().oauth2(Tokens.alice()).head(path).then().statusCode(404);
        given().auth().oauth2(Tokens.alice()).delete(path).then().statusCode(404);
    }

    /**
     * The list takes ARM's tag filter and $top (a hostile probe: both were ignored, and {@code az group list --tag}
     * got every group, which an automation deleting "the groups tagged X" would act on).
     */
    @Test
    void theListIsFilteredByTagAndPaged() {
        String tag = "t" + UUID.randomUUID().toString().substring(0, 8);
        java.util.List<String> tagged = new java.util.ArrayList<>();
        for (int i = 0; i < 3; i++) {
            String rg = "rg-" + tag + "-" + i;
            tagged.add(rg);
            given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON)
                    .body("{\"location\":\"westeurope\",\"tags\":{\"" + tag + "\":\"" + (i == 2 ? "b" : "a") + "\"}}")
                    .put(SUB + "/resourceGroups/" + rg + API).then().statusCode(201);
        }
        String other = group();
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body("{\"location\":\"westeurope\"}")
                .put(SUB + "/resourceGroups/" + other + API).then().statusCode(201);
        try {
            given().auth().oauth2(Tokens.alice()).queryParam("$filter", "tagName eq '" + tag.toUpperCase() + "'")
                    .get(SUB + "/resourceGroups" + API).then().statusCode(200)
                    .body("value.name", is(tagged)).body("nextLink", org.hamcrest.Matchers.nullValue());
            given().auth().oauth2(Tokens.alice())
                    .queryParam("$filter", "tagName eq '" + tag + "' and tagValue eq 'a'")
                    .get(SUB + "/resourceGroups" + API).then().statusCode(200)
                    .body("value.name", is(tagged.subList(0, 2)));
            // two a page, the next by its nextLink
            String next = given().auth().oauth2(Tokens.alice()).queryParam("$filter", "tagName eq '" + tag + "'")
                    .queryParam("$top", "2").get(SUB + "/resourceGroups" + API).then().statusCode(200)
                    .body("value.name", is(tagged.subList(0, 2))).extract().path("nextLink");
            assertTrue(next.contains("%24filter=") || next.contains("$filter="), next);
            given().urlEncodingEnabled(false).auth().oauth2(Tokens.alice()).get(java.net.URI.create(next).getRawPath()
                    + "?" + java.net.URI.create(next).getRawQuery()).then().statusCode(200)
                    .body("value.name", is(tagged.subList(2, 3)));
            for (String bad : new String[]{"bogus", "tagValue eq 'a'", "name eq 'x'", "tagName eq 'a' or tagName eq 'b'"}) {
                given().auth().oauth2(Tokens.alice()).queryParam("$filter", bad).get(SUB + "/resourceGroups" + API)
                        .then().statusCode(400).body("error.code", is("InvalidFilter")).body("error.target", is("$filter"));
            }
            given().auth().oauth2(Tokens.alice()).queryParam("$top", "abc").get(SUB + "/resourceGroups" + API).then()
                    .statusCode(400).body("error.target", is("$top"));
            given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).header("Content-Encoding", "gzip")
                    .body("{\"location\":\"westeurope\"}").put(SUB + "/resourceGroups/" + other + API).then()
                    .statusCode(415).body("error.target", is("Content-Encoding"));
            given().auth().oauth2(Tokens.alice()).get(SUB + "/resourceGroups" + API + "&$top=1&$top=2").then()
                    .statusCode(400).body("error.code", is("InvalidQueryParameterValue"))
                    .body("error.target", is("$top"));
            given().auth().oauth2(Tokens.bob()).queryParam("$filter", "bogus").get(SUB + "/resourceGroups" + API)
                    .then().statusCode(404);
        } finally {
            tagged.forEach(rg -> given().auth().oauth2(Tokens.alice()).delete(SUB + "/resourceGroups/" + rg + API));
            given().auth().oauth2(Tokens.alice()).delete(SUB + "/resourceGroups/" + other + API);
        }
    }

    @Test
    void badInputIsA400NamingTheField() {
        String rg = group();
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body("{}")
                .put(SUB + "/resourceGroups/" + rg + API).then().statusCode(400)
                .body("error.code", is("LocationRequired")).body("error.target", is("location"));
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body("{\"location\":\"mars\"}")
                .put(SUB + "/resourceGroups/" + rg + API).then().statusCode(400).body("error.target", is("location"));
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body("{\"location\":\"westeurope\"}")
                .put(SUB + "/resourceGroups/bad.name." + API).then().statusCode(400)
                .body("error.code", is("InvalidResourceGroup"));
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON)
                .body("{\"location\":\"westeurope\",\"tags\":{\"a/b\":\"c\"}}")
                .put(SUB + "/resourceGroups/" + rg + API).then().statusCode(400).body("error.target", is("tags"));
        given().auth().oauth2(Tokens.alice()).get(SUB + "/resourceGroups/" + rg + "?api-version=2022-12-01").then()
                .statusCode(400).body("error.code", is("InvalidApiVersionParameter"));
    }

    @Test
    void aGroupHoldingAGalleryIsThereAndIsNotDeletedWithIt() throws Exception {
        String rg = group();
        String gallery = SUB + "/resourceGroups/" + rg + "/providers/Microsoft.Compute/galleries/held";
        var infra = TestInfra.shared();
        try (var c = DriverManager.getConnection(infra.jdbcUrl("access"), infra.pgUser(), infra.pgPassword());
             var st = c.prepareStatement("INSERT INTO gallery_view (gallery_key, gallery_id, subscription_id, "
                     + "tenant_id, unique_name, location) VALUES (?, ?, ?, 'contoso', ?, 'northeurope')")) {
            st.setString(1, gallery.toLowerCase());
            st.setString(2, gallery);
            st.setString(3, Realms.CONTOSO_SUBSCRIPTION);
            st.setString(4, "unique-" + rg);
            st.executeUpdate();
        }
        given().auth().oauth2(Tokens.alice()).get(SUB + "/resourceGroups/" + rg.toUpperCase() + API).then()
                .statusCode(200).body("name", is(rg)).body("location", is("northeurope"));
        given().auth().oauth2(Tokens.alice()).get(SUB + "/resourceGroups" + API).then().statusCode(200)
                .body("value.name", hasItem(rg));
        given().auth().oauth2(Tokens.alice()).delete(SUB + "/resourceGroups/" + rg + API).then().statusCode(409)
                .body("error.code", is("ResourceGroupNotEmpty"));
        given().auth().oauth2(Tokens.alice()).get(SUB + "/resourceGroups" + API).then().statusCode(200)
                .body("value.name", hasItem(rg));
        given().auth().oauth2(Tokens.carol()).get(SUB + "/resourceGroups" + API).then().statusCode(404);
        given().auth().oauth2(Tokens.alice()).get(SUB + "/resourceGroups" + API).then()
                .body("value.name", not(hasItem("nosuchgroup")));
    }
}
