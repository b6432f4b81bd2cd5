package dev.imagegallery.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.imagegallery.devstack.Realms;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The portal in a real browser: Debian's Chromium, headless, driven through its chromedriver by Selenium, against the
 * shared stack's front door (https, the portal at {@code /portal/}) and its Keycloak. Alice of contoso signs in on
 * Keycloak's own sign-in page (authorization code with PKCE), uploads a disk as a managed image, makes a gallery (a
 * refused name first: the ARM error on the page), a definition and version 1.0.0 in two regions, watches it replicate
 * to Completed in both, deletes and restores it, gives Carol a role, changes the gallery's settings, shares it and
 * publishes it to the community, reads its usage, registers and revokes an event subscriber and signs out; then Bob
 * of fabrikam signs in, cannot see her gallery, accepts her invitation and finds it and the community's. What the
 * browser did is checked through the API as well. Skipped, with a message, where Chromium or chromedriver is missing
 * ({@code apt-get install chromium chromium-driver}; {@code .ci/run} installs them).
 * <p>
 * The browser accepts the door's certificate without the stack's CA ({@code acceptInsecureCerts}: Chromium reads its
 * trust from an NSS database, which would need another package to fill); the CA's own checks are the front door's TLS
 * tests.
 */
class PortalIT extends StackIT {
    private static final String CHROMIUM = "/usr/bin/chromium";
    private static final String CHROMEDRIVER = "/usr/bin/chromedriver";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String RG = "rg-portal";

    private static WebDriver browser;
    private static Path profile;

    @BeforeAll
    static void up() throws Exception {
        Assumptions.assumeTrue(new File(CHROMIUM).canExecute() && new File(CHROMEDRIVER).canExecute(),
                "PortalIT skipped: no " + CHROMIUM + " or " + CHROMEDRIVER + " (apt-get install chromium "
                        + "chromium-driver)");
        stack = shared();
        profile = Files.createTempDirectory("portal-chromium");
        ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM).addArguments("--headless=new", "--no-sandbox",
                "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=1280,1000", "--user-data-dir=" + profile);
        options.setAcceptInsecureCerts(true);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(CHROMEDRIVER)).usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
    }

    @AfterAll
    static void down() throws Exception {
        if (browser != null) {
            browser.quit();
            browser = null;
        }
        if (profile != null) {
            try (var walk = Files.walk(profile)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    @Test
    void aPublisherWorksThroughThePortalAndAnotherTenantSeesNothingOfIt() throws Exception {
        try {
            story();
        } catch (Throwable e) {
            // what the browser showed when the story stopped, beside the step screenshots
            shot("failure");
            Files.writeString(Path.of("target/portal-screenshots/failure.html"), browser.getPageSource());
            throw e;
        }
    }

    private void story() throws Exception {
        String alice = token(Realms.CONTOSO, "alice");
        String subscription = "/subscriptions/" + CONTOSO;
        String gallery = subscription + "/resourceGroups/" + RG + "/providers/Microsoft.Compute/galleries/portalgallery";

        // sign-in: the portal sends the browser to contoso's Keycloak, which sends it back with a code
        browser.get(stack.doorUrl() + "/portal/");
        click(By.name("tenant-contoso"));
        signInAt("alice");
        WebElement sub = waitFor(By.cssSelector("a[href='#" + subscription + "']"));
        assertTrue(text(By.id("user")).startsWith("alice @ contoso"), text(By.id("user")));
        shot("1-subscriptions");

        // the subscription: a gallery name the API refuses shows its ARM error; a good one is made
        sub.click();
        waitFor(By.name("create-gallery"));
        fill("create-gallery", "resourceGroup", RG);
        fill("create-gallery", "name", "bad name!");
        submit("create-gallery");
        waitUntil(() -> text(By.id("banner")).contains("InvalidGalleryName"));
        assertTrue(text(By.id("banner")).contains("target: name"), text(By.id("banner")));
        shot("2-refused-name");
        fill("create-gallery", "name", "portalgallery");
        fill("create-gallery", "description", "made in the portal");
        browser.findElement(By.id("create-gallery-softDelete")).click();
        submit("create-gallery");
        waitUntil(() -> browser.getCurrentUrl().endsWith("#" + gallery));
        waitUntil(() -> text(By.tagName("h1")).equals("portalgallery"));

        // a disk uploaded from the browser's file chooser becomes a managed image
        Path disk = Files.createTempFile("portal-disk", ".vhd");
        byte[] bytes = new byte[1 << 20];
        new Random(7).nextBytes(bytes);
        Files.write(disk, bytes);
        browser.get(stack.doorUrl() + "/portal/#" + subscription);
        waitFor(By.name("create-image"));
        fill("create-image", "resourceGroup", RG);
        fill("create-image", "name", "portal-src");
        browser.findElement(By.id("create-image-disk")).sendKeys(disk.toString());
        submit("create-image");
        waitUntil(() -> !browser.findElements(By.xpath("//td/span[text()='portal-src']")).isEmpty());
        Files.delete(disk);

        // a running upload canceled from the page: nothing of it is stored and no image is made (the browser's
        // uploads slowed to 4 MB/s by its own network emulation, so that the upload is still running when canceled)
        Path big = Files.createTempFile("portal-big", ".vhd");
        try (var file = new java.io.RandomAccessFile(big.toFile(), "rw")) {
            file.setLength(256L << 20);
        }
        ChromeDriver chrome = (ChromeDriver) browser;
        chrome.executeCdpCommand("Network.enable", java.util.Map.of());
        chrome.executeCdpCommand("Network.emulateNetworkConditions", java.util.Map.of("offline", false, "latency", 0,
                "downloadThroughput", -1, "uploadThroughput", 4_000_000));
        try {
            fill("create-image", "resourceGroup", RG);
            fill("create-image", "name", "portal-canceled");
            browser.findElement(By.id("create-image-disk")).sendKeys(big.toString());
            submit("create-image");
            By uploading = By.cssSelector("form[name='create-image'] button[name='submit']");
            waitUntil(() -> text(uploading).matches("Uploading… [1-9][0-9]? % .*"));
            click(By.cssSelector("form[name='create-image'] button[name='cancel']"));
            waitUntil(() -> text(By.id("banner")).startsWith("Canceled"));
            waitUntil(() -> text(uploading).equals("Upload and create"));
            shot("2b-upload-canceled");
        } finally {
            chrome.executeCdpCommand("Network.emulateNetworkConditions", java.util.Map.of("offline", false,
                    "latency", 0, "downloadThroughput", -1, "uploadThroughput", -1));
            Files.delete(big);
        }
        assertEquals(404, status(alice, "/blobs/westeurope/" + CONTOSO + "/portal-canceled.vhd"));
        assertEquals(404, status(alice, subscription + "/resourceGroups/" + RG
                + "/providers/Microsoft.Compute/images/portal-canceled" + MI_API));

        // a definition in the gallery
        browser.get(stack.doorUrl() + "/portal/#" + gallery);
        waitFor(By.name("create-definition"));
        fill("create-definition", "name", "nginx");
        fill("create-definition", "publisher", "corpLinuxTeam");
        fill("create-definition", "offer", "nginx");
        fill("create-definition", "sku", "ubuntu-16.04");
        fill("create-definition", "vcpus", "2-8");
        fill("create-definition", "memory", "2-16");
        submit("create-definition");
        String definition = gallery + "/images/nginx";
        waitUntil(() -> browser.getCurrentUrl().endsWith("#" + definition));

        // version 1.0.0 in two regions, from the managed image; the version's page follows its replication
        waitFor(By.name("create-version"));
        fill("create-version", "name", "1.0.0");
        new Select(browser.findElement(By.id("create-version-source"))).selectByVisibleText("portal-src (westeurope)");
        fill("create-version", "regions", "westeurope=1, northeurope=2");
        new Select(browser.findElement(By.id("create-version-storageAccountType"))).selectByValue("Standard_ZRS");
        // a date input's typing depends on the browser's locale: its value is set as the page would read it
        ((org.openqa.selenium.JavascriptExecutor) browser).executeScript(
                "document.getElementById('create-version-endOfLifeDate').value = '2031-01-31'");
        submit("create-version");
        String version = definition + "/versions/1.0.0";
        waitUntil(() -> browser.getCurrentUrl().endsWith("#" + version));
        waitUntil(() -> browser.findElements(By.cssSelector("td [data-state='Completed']")).size() == 2
                && !browser.findElements(By.cssSelector("dd [data-state='Completed']")).isEmpty());

        shot("3-version-replicated");

        // what the browser did, as the API says it
        JsonNode made = api(alice, version + "?$expand=ReplicationStatus&api-version=2024-03-03");
        assertEquals("Succeeded", made.path("properties").path("provisioningState").asText(), made.toString());
        assertEquals("Completed", made.path("properties").path("replicationStatus").path("aggregatedState").asText());
        assertEquals(2, made.path("properties").path("publishingProfile").path("targetRegions").size());
        assertEquals("Standard_ZRS", made.path("properties").path("publishingProfile").path("storageAccountType").asText());
        assertTrue(made.path("properties").path("publishingProfile").path("endOfLifeDate").asText().startsWith("2031-01-31"),
                made.toString());
        assertTrue(text(By.tagName("dl")).contains("Standard_ZRS"), text(By.tagName("dl")));
        assertTrue(made.path("properties").path("storageProfile").path("source").path("id").asText()
                .endsWith("/images/portal-src"), made.toString());
        JsonNode def = api(alice, definition + API);
        assertEquals(8, def.path("properties").path("recommended").path("vCPUs").path("max").asInt(), def.toString());

        // latest, as a VM would get it in each region: 1.0.0 in both
        browser.get(stack.doorUrl() + "/portal/#" + definition);
        waitUntil(() -> text(By.cssSelector("[data-latest='westeurope']")).equals("1.0.0")
                && text(By.cssSelector("[data-latest='northeurope']")).equals("1.0.0"));
        browser.get(stack.doorUrl() + "/portal/#" + version);
        waitFor(By.name("update-version"));

        // an update: a third region, and out of latest; the page follows the new region to Completed
        fill("update-version", "regions", "westeurope=1, northeurope=2, eastus=1");
        browser.findElement(By.id("update-version-excludeFromLatest")).click();
        submit("update-version");
        waitUntil(() -> browser.findElements(By.cssSelector("td [data-state='Completed']")).size() == 3
                && !browser.findElements(By.cssSelector("dd [data-state='Completed']")).isEmpty());
        JsonNode updated = api(alice, version + API).path("properties").path("publishingProfile");
        assertEquals(3, updated.path("targetRegions").size(), updated.toString());
        assertTrue(updated.path("excludeFromLatest").asBoolean(), updated.toString());
        browser.get(stack.doorUrl() + "/portal/#" + definition);
        waitUntil(() -> !text(By.cssSelector("[data-latest='eastus']")).isEmpty()
                && !text(By.cssSelector("[data-latest='westeurope']")).equals("1.0.0"));
        browser.get(stack.doorUrl() + "/portal/#" + version);
        waitFor(By.name("delete-version"));

        // deletion: confirmed in the browser's dialog, the version is gone once the operation ends
        click(By.name("delete-version"));
        browser.switchTo().alert().accept();
        waitUntil(() -> browser.getCurrentUrl().endsWith("#" + definition));
        waitFor(By.xpath("//td[text()='No version yet.']"));
        assertEquals(404, status(alice, version + API));

        // the gallery keeps deleted versions (soft delete, chosen when it was made): restored from the definition's page
        click(By.name("restore-1.0.0"));
        waitFor(By.xpath("//td/a[text()='1.0.0']"));
        assertTrue(browser.findElements(By.name("restore-1.0.0")).isEmpty());
        assertEquals(200, status(alice, version + API));

        // access control: Carol, who has no role, is made Reader of the gallery and can read it
        String carol = token(Realms.CONTOSO, "carol");
        int before = status(carol, gallery + API);
        assertTrue(before == 403 || before == 404, "carol before her role: " + before);
        browser.get(stack.doorUrl() + "/portal/#" + gallery);
        waitFor(By.name("add-role"));
        fill("add-role", "principalId", Realms.CAROL);
        new Select(browser.findElement(By.id("add-role-role"))).selectByVisibleText("Reader");
        submit("add-role");
        waitFor(By.xpath("//td/code[text()='" + Realms.CAROL + "']/../following-sibling::td[text()='Reader']"));
        shot("4-access-control");
        waitUntil(() -> status(carol, gallery + API) == 200);
        // the definition's page shows her role as inherited from the gallery, not removable there
        browser.get(stack.doorUrl() + "/portal/#" + definition);
        waitFor(By.xpath("//td/code[text()='" + Realms.CAROL + "']/../following-sibling::td/code[text()='" + gallery
                + "']/../following-sibling::td/span[text()='inherited']"));

        // the gallery's settings changed after it was made (PATCH)
        browser.get(stack.doorUrl() + "/portal/#" + gallery);
        fill("gallery-settings", "description", "changed in the portal");
        submit("gallery-settings");
        waitUntil(() -> text(By.id("banner")).contains("Settings saved."));
        JsonNode patched = api(alice, gallery + API).path("properties");
        assertEquals("changed in the portal", patched.path("description").asText(), patched.toString());
        assertTrue(patched.path("softDeletePolicy").path("isSoftDeleteEnabled").asBoolean(), patched.toString());

        // published to the community: a refused contact shows its target, then the gallery is published
        fill("community", "publicNamePrefix", "portalpub");
        fill("community", "publisherContact", "not an address");
        fill("community", "publisherUri", "https://contoso.example/images");
        fill("community", "eula", "Use at your own risk.");
        submit("community");
        waitUntil(() -> text(By.id("banner")).contains("publisherContact"));
        fill("community", "publisherContact", "images@contoso.example");
        submit("community");
        waitUntil(() -> text(By.id("banner")).contains("Published to the community as portalpub-"));
        String publicName = text(By.id("banner")).replaceAll("^.* as (portalpub-[^ .,]+).*$", "$1");
        waitUntil(() -> {
            browser.navigate().refresh();
            return new WebDriverWait(browser, Duration.ofSeconds(10)).until(ExpectedConditions.presenceOfElementLocated(
                    By.cssSelector("dd [data-community]"))).getAttribute("data-community").equals("published");
        });
        assertTrue(text(By.cssSelector("dd [data-community]")).contains(publicName), publicName);

        // sharing with fabrikam's subscription: another tenant's, so it waits for fabrikam to accept
        new Select(browser.findElement(By.id("share-type"))).selectByValue("Subscriptions");
        fill("share", "ids", FABRIKAM);
        submit("share");
        waitUntil(() -> text(By.id("banner")).contains("Subscriptions " + FABRIKAM + " (Pending)"));
        String uniqueName = api(alice, gallery + API).path("properties").path("identifier").path("uniqueName").asText();

        // what the version's replicas are metered (a soft-deleted version keeps them), on the usage page
        browser.get(stack.doorUrl() + "/portal/#" + subscription + "/usage");
        waitUntil(() -> {
            browser.navigate().refresh();
            new WebDriverWait(browser, Duration.ofSeconds(10)).until(ExpectedConditions.presenceOfElementLocated(
                    By.xpath("//h2[text()='By resource and meter']/following-sibling::table")));
            // storage in each of the three regions the version was in, each a row of its own
            return browser.findElements(By.xpath("//h2[text()='By resource and meter']/following-sibling::table"
                    + "//tr[td/code[text()='portalgallery/images/nginx/versions/1.0.0'] and contains(., 'Standard_ZRS Stored')]"))
                    .size() == 3;
        });
        shot("6-usage");

        // the month's invoice (open while the month runs): the storage lines of the version's three regions
        String month = java.time.YearMonth.now(java.time.ZoneOffset.UTC).toString();
        click(By.linkText("Invoice of " + month));
        waitFor(By.xpath("//h1[text()='" + month + "']"));
        waitFor(By.cssSelector("dd [data-state='Open']"));
        waitUntil(() -> browser.findElements(By.xpath("//h2[text()='Lines']/following-sibling::table"
                + "//tr[contains(., 'Standard_ZRS Stored')]")).size() >= 3);
        shot("8-invoice");
        click(By.name("csv-" + month));
        Thread.sleep(500);
        assertTrue(text(By.id("banner")).isEmpty() || !browser.findElement(By.id("banner")).isDisplayed(),
                text(By.id("banner")));

        // the prices in effect and an estimate before publishing: 10 GiB used, two replicas in eastus and one in
        // westeurope at the default Standard_LRS price (0.05 a GiB-month): 1.50 a month, and 10 GiB copied to the US
        browser.get(stack.doorUrl() + "/portal/#" + subscription + "/prices");
        waitFor(By.xpath("//h1[text()='Prices in effect']"));
        assertTrue(!browser.findElements(By.xpath("//h2[starts-with(., 'Storage')]/following-sibling::table"
                + "//tr[contains(., 'Standard_LRS')]")).isEmpty(), browser.getPageSource());
        fill("estimate", "sizeGiB", "30");
        fill("estimate", "usedGiB", "10");
        fill("estimate", "regions", "westeurope=1, eastus=2");
        submit("estimate");
        waitUntil(() -> text(By.id("estimate-result")).contains("every month"));
        assertTrue(text(By.id("estimate-result")).contains("1.50 USD"), text(By.id("estimate-result")));
        shot("8b-prices");

        // a gallery with more definitions than a page holds: the first 50 drawn at once, the rest on request
        String many = subscription + "/resourceGroups/" + RG + "/providers/Microsoft.Compute/galleries/portalmany";
        String fresh = token(Realms.CONTOSO, "alice");
        put(fresh, many, "{\"location\":\"westeurope\"}");
        for (int i = 0; i < 55; i++) {
            put(fresh, many + "/images/d" + (100 + i), "{\"location\":\"westeurope\",\"properties\":{\"osType\":"
                    + "\"Linux\",\"osState\":\"Generalized\",\"identifier\":{\"publisher\":\"p\",\"offer\":\"o\","
                    + "\"sku\":\"s" + i + "\"}}}");
        }
        browser.get(stack.doorUrl() + "/portal/#" + many);
        By rows = By.cssSelector("[data-list='definitions'] tbody tr");
        waitUntil(() -> browser.findElements(rows).size() == 50);
        assertEquals("50 shown, more to see", text(By.cssSelector("[data-count='definitions']")));
        click(By.name("more-definitions"));
        waitUntil(() -> browser.findElements(rows).size() == 55);
        assertEquals("all 55 shown", text(By.cssSelector("[data-count='definitions']")));
        assertTrue(!browser.findElement(By.name("more-definitions")).isDisplayed());

        // an event subscriber registered by Alice, an administrator of contoso: its secret shown once, and real (the
        // tenant's Keycloak gives its client a token); revoked, it gets none
        click(By.id("menu-events"));
        fill("add-subscriber", "name", "portal-sub");
        fill("add-subscriber", "description", "made in the portal");
        submit("add-subscriber");
        String secret = waitFor(By.id("new-subscriber-secret")).getText();
        String clientId = text(By.xpath("//div[@id='new-subscriber']//dt[text()='client id']/following-sibling::dd[1]"));
        String tokenUrl = text(By.xpath("//div[@id='new-subscriber']//dt[text()='token URL']/following-sibling::dd[1]"));
        waitFor(By.xpath("//td[text()='portal-sub']/following-sibling::td[text()='made in the portal']"));
        shot("7-event-subscriber");
        assertEquals(200, clientToken(tokenUrl, clientId, secret), "the shown secret signs its client in");
        click(By.name("revoke-portal-sub"));
        browser.switchTo().alert().accept();
        waitUntil(() -> text(By.id("banner")).contains("revoked"));
        assertTrue(browser.findElements(By.xpath("//td[text()='portal-sub']")).isEmpty());
        waitUntil(() -> clientToken(tokenUrl, clientId, secret) != 200);

        // sign-out ends the session; fabrikam's Bob signs in and sees neither the subscription nor the gallery
        click(By.name("sign-out"));
        waitFor(By.name("tenant-fabrikam")).click();
        signInAt("bob");
        waitFor(By.cssSelector("a[href='#/subscriptions/" + FABRIKAM + "']"));
        assertTrue(browser.findElements(By.cssSelector("a[href='#" + subscription + "']")).isEmpty());
        browser.get(stack.doorUrl() + "/portal/#" + gallery);
        waitUntil(() -> text(By.id("banner")).contains("request id"));
        assertTrue(browser.findElements(By.xpath("//h1[text()='portalgallery']")).isEmpty());

        // ... but, as fabrikam's administrator, accepts the invitation, and then finds the gallery shared with him
        click(By.id("menu-shared"));
        click(By.name("accept-" + uniqueName));
        waitFor(By.xpath("//td/code[text()='" + uniqueName + "']/../following-sibling::td/span[@data-state='Accepted']"));
        waitUntil(() -> {
            browser.navigate().refresh();
            // the page shows once every list has answered
            new WebDriverWait(browser, Duration.ofSeconds(10)).until(ExpectedConditions.presenceOfElementLocated(
                    By.xpath("//h2[text()='Galleries shared with you']/following-sibling::table")));
            return !browser.findElements(By.xpath("//h2[text()='Galleries shared with you']"
                    + "/following-sibling::table//td[text()='nginx']")).isEmpty();
        });
        shot("5-shared-with-bob");

        // the community gallery, with its publisher's terms and its definition, as any tenant sees it
        WebElement published = waitFor(By.cssSelector("[data-community-gallery='" + publicName + "']"));
        assertTrue(published.getText().contains("images@contoso.example") && published.getText()
                .contains("Use at your own risk."), published.getText());
        waitFor(By.xpath("//h2[text()='Community galleries']/following-sibling::table//td[code[text()='" + publicName
                + "']]/following-sibling::td[text()='nginx']"));
        click(By.name("sign-out"));
        waitFor(By.name("tenant-contoso"));
    }

    /** The page as the browser shows it, under target/portal-screenshots/ (to see what a failed run saw). */
    private static void shot(String name) throws java.io.IOException {
        Path dir = Path.of("target/portal-screenshots");
        Files.createDirectories(dir);
        byte[] png = ((org.openqa.selenium.TakesScreenshot) browser).getScreenshotAs(org.openqa.selenium.OutputType.BYTES);
        Files.write(dir.resolve(name + ".png"), png);
    }

    /** Keycloak's own sign-in page (the user's password is the user's name in the seeded realms). */
    private static void signInAt(String user) {
        waitFor(By.id("username")).sendKeys(user);
        browser.findElement(By.id("password")).sendKeys(user);
        browser.findElement(By.id("kc-login")).click();
    }

    private static WebElement waitFor(By what) {
        return new WebDriverWait(browser, Duration.ofSeconds(60)).until(ExpectedConditions.elementToBeClickable(what));
    }

    private static void waitUntil(java.util.function.BooleanSupplier condition) {
        new WebDriverWait(browser, Duration.ofSeconds(90)).ignoring(RuntimeException.class)
                .until(d -> condition.getAsBoolean());
    }

    private static void click(By what) {
        waitFor(what).click();
    }

    private static String text(By what) {
        List<WebElement> found = browser.findElements(what);
        return found.isEmpty() ? "" : found.get(0).getText();
    }

    private static void fill(String form, String field, String value) {
        WebElement input = waitFor(By.id(form + "-" + field));
        input.clear();
        input.sendKeys(value);
    }

    private static void submit(String form) {
        browser.findElement(By.cssSelector("form[name='" + form + "'] button[name='submit']")).click();
    }

    /** The API's own answer, through the door's http twin (the browser's side is the https one). */
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static JsonNode api(String token, String path) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(stack.doorHttpUrl() + path))
                .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body());
    }

    /** A PUT to the API that must be answered 200 or 201. */
    private static void put(String token, String path, String body) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(stack.doorHttpUrl() + path + API))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertTrue(r.statusCode() == 200 || r.statusCode() == 201, path + ": " + r.statusCode() + " " + r.body());
    }

    /** The status of a client credentials grant at a tenant's token endpoint. */
    private static int clientToken(String tokenUrl, String clientId, String secret) {
        String form = "grant_type=client_credentials&client_id=" + java.net.URLEncoder.encode(clientId,
                java.nio.charset.StandardCharsets.UTF_8) + "&client_secret=" + java.net.URLEncoder.encode(secret,
                java.nio.charset.StandardCharsets.UTF_8);
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(tokenUrl))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.discarding())
                    .statusCode();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static int status(String token, String path) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(stack.doorHttpUrl() + path))
                    .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.discarding())
                    .statusCode();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
