package dev.coldbrew.cli.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Observability (docs/operations.md) through the real jar: the dashboard in a real headless
 * Chromium, logged in through a one-time URL from {@code coldbrew dashboard} (the service is
 * listed, a request at zero turns its SKS mode from Proxy to Serve and its instance chart rises),
 * the cold-start header, {@code /metrics}, {@code get events}, the events watch, {@code version}
 * and {@code completion}. The first request at zero happens once, in the browser test or (when
 * Chromium is missing and that test is skipped) in the first test that needs it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ObservabilityIT {
  static final Duration WAIT = Duration.ofSeconds(90);
  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  static final Path OUTPUT = Path.of("target", "observability-it").toAbsolutePath();
  static final String REV = "dash-00001";
  static final String TAGS =
      "configuration=\"dash\",namespace=\"default\",revision=\"dash-00001\",service=\"dash\"";

  @RegisterExtension
  static final PlatformExtension platform =
      PlatformExtension.withConfig(Platform.FAST_SCALE_TO_ZERO);

  final Path dir = platform.dir;
  Reply coldResponse;

  /** A gateway response: status and headers (lower-case names). */
  record Reply(int status, Map<String, String> headers) {}

  /**
   * GET / on the gateway for {@code host} over a plain socket, so the test does not depend on the
   * JDK client's restricted-header setting.
   */
  private Reply gatewayGet(String host) throws Exception {
    try (Socket s = new Socket("127.0.0.1", platform.httpPort)) {
      s.setSoTimeout(120_000);
      s.getOutputStream()
          .write(
              ("GET / HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      BufferedReader in =
          new BufferedReader(
              new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
      int status = Integer.parseInt(in.readLine().split(" ")[1]);
      Map<String, String> headers = new java.util.HashMap<>();
      for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
        int colon = line.indexOf(':');
        headers.put(
            line.substring(0, colon).trim().toLowerCase(java.util.Locale.ROOT),
            line.substring(colon + 1).trim());
      }
      // the body too, to the close the request asked for: a client that leaves before the end is
      // counted with response_code_class "none", as it should be
      while (in.read() >= 0) {
        // drained
      }
      return new Reply(status, headers);
    }
  }

  @BeforeAll
  void start() throws Exception {
    // starts at zero; with no burst capacity required, one instance is enough for Serve mode
    var r =
        platform.run(
            Manifests.service(
                "dash",
                EchoApp.class,
                "dash-" + System.nanoTime(),
                Map.of("initial-scale", "0", "window", "6s", "target-burst-capacity", "0"),
                "Coldbrew",
                ""),
            "apply",
            "-f",
            "-");
    assertThat(r.code()).as(r.toString()).isZero();
    await()
        .atMost(WAIT)
        .until(
            () ->
                Http.resource(
                        platform, "/apis/serving.knative.dev/v1/namespaces/default/services/dash")
                    .map(s -> Http.condition(s, "Ready").equals("True"))
                    .orElse(false));
    assertThat(Http.sksMode(platform, REV)).isEqualTo("Proxy");
    Files.createDirectories(OUTPUT);
  }

  /** The one request at zero: answered, and marked with how long it waited. */
  private Reply coldStart() throws Exception {
    if (coldResponse == null) {
      coldResponse = gatewayGet("dash.default.localhost");
      assertThat(coldResponse.status()).isEqualTo(200);
    }
    return coldResponse;
  }

  @Test
  @Order(1)
  void dashboardShowsTheServiceAndItsRevisionWakingUp() throws Exception {
    Assumptions.assumeTrue(
        Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
        "chromium and chromium-driver are not installed (apt-get install chromium chromium-driver)");
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments(
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1400,1000",
        "--user-data-dir=" + dir.resolve("chromium-profile"));
    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(new File(CHROMEDRIVER.toString()))
            .usingAnyFreePort()
            .withLogFile(dir.resolve("chromedriver.log").toFile())
            .build();
    WebDriver driver = new ChromeDriver(service, options);
    try {
      var login = platform.cli("dashboard");
      assertThat(login.code()).as(login.toString()).isZero();
      String url = login.out().trim();
      assertThat(url).startsWith(platform.admin("/login?once="));
      driver.get(url);
      assertThat(driver.getCurrentUrl()).isEqualTo(platform.admin("/dashboard/"));
      // the session cookie is HttpOnly: the page's scripts cannot read it
      assertThat(((JavascriptExecutor) driver).executeScript("return document.cookie;"))
          .isEqualTo("");
      pageSaysConnectingUntilItsFirstStateAndRendersStatesInWords((ChromeDriver) driver);

      driver.get(platform.admin("/"));
      assertThat(driver.getCurrentUrl()).endsWith("/dashboard/");
      By row = By.cssSelector("[data-service='default/dash'] tr[data-revision='" + REV + "']");
      By charts = By.cssSelector("[data-charts='" + REV + "'] canvas");
      await()
          .atMost(WAIT)
          .ignoreExceptions()
          .until(() -> sksModeShown(driver, row).equals("Proxy"));
      // The page redraws every few seconds: an element found before a redraw is stale after it,
      // so the reads are retried on fresh elements.
      await()
          .atMost(WAIT)
          .ignoreExceptions()
          .untilAsserted(
              () -> {
                WebElement svc =
                    driver.findElement(By.cssSelector("[data-service='default/dash']"));
                assertThat(svc.findElement(By.cssSelector("a.url")).getText())
                    .isEqualTo("http://dash.default.localhost:" + platform.httpPort);
                WebElement r = driver.findElement(row);
                assertThat(r.findElement(By.cssSelector(".traffic")).getText()).isEqualTo("100%");
                // desired is 0, or unknown ("—") before the autoscaler's first decision
                assertThat(r.findElement(By.cssSelector(".instances")).getText())
                    .matches("0 / (0|—)");
                assertThat(r.findElement(By.cssSelector(".state")).getText())
                    .isEqualTo("Scaled to zero");
              });
      // the overview comes first: no charts until the row is opened
      assertThat(driver.findElements(By.cssSelector("canvas"))).isEmpty();
      await().atMost(WAIT).ignoreExceptions().until(() -> click(driver, row));
      await().atMost(WAIT).until(() -> driver.findElements(charts).size() >= 4);
      assertThat(maxActualCharted(driver)).isZero();

      coldStart();

      // many states later the charts are still open, and show the instance that served
      await()
          .atMost(WAIT)
          .ignoreExceptions()
          .until(() -> sksModeShown(driver, row).equals("Serve"));
      await().atMost(WAIT).until(() -> maxActualCharted(driver) >= 1);
      assertThat(driver.findElements(charts)).hasSizeGreaterThanOrEqualTo(4);
      Path shot = OUTPUT.resolve("dashboard.png");
      Files.write(shot, ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));
      assertThat(Files.size(shot)).isGreaterThan(10_000);

      // closed again, and it stays closed across the next states
      await().atMost(WAIT).ignoreExceptions().until(() -> click(driver, row));
      assertThat(driver.findElements(By.cssSelector("canvas"))).isEmpty();
      String updated = driver.findElement(By.id("status")).getText();
      await()
          .atMost(WAIT)
          .until(() -> !driver.findElement(By.id("status")).getText().equals(updated));
      assertThat(driver.findElements(By.cssSelector("canvas"))).isEmpty();
      assertThat(driver.findElement(row).getAttribute("aria-expanded")).isEqualTo("false");
    } finally {
      driver.quit();
    }
  }

  /**
   * With the state stream blocked, the page says "Connecting…" (not that there are no services);
   * then states given to its renderer show in words what a number alone would not: an unknown
   * desired count (the autoscaler's -1, sent as null) as "—", a revision at zero, a failed one with
   * its reason.
   */
  private void pageSaysConnectingUntilItsFirstStateAndRendersStatesInWords(ChromeDriver driver) {
    driver.executeCdpCommand("Network.enable", Map.of());
    driver.executeCdpCommand(
        "Network.setBlockedURLs", Map.of("urls", java.util.List.of("*/dashboard/api/stream*")));
    try {
      driver.get(platform.admin("/dashboard/"));
      await()
          .atMost(WAIT)
          .until(
              () ->
                  driver.findElement(By.id("status")).getText().equals("disconnected; retrying…"));
      assertThat(driver.findElement(By.id("services")).getText()).isEqualTo("Connecting…");

      driver.executeScript(
          "window.coldbrew.show(JSON.parse(arguments[0]));",
          """
          {"time":0,"services":[{"namespace":"default","name":"words","url":null,"ready":"False",
           "reason":"RevisionFailed","traffic":[{"revision":"words-00003","percent":100,"tag":null},
           {"revision":"words-00002","percent":0,"tag":"previous"}],"revisions":[
           %s,%s,%s,%s]}]}
          """
              .formatted(
                  revision("words-00004", "Unknown", null, "null", "null"),
                  revision("words-00003", "True", null, "-1", "0"),
                  revision("words-00002", "True", null, "0", "0"),
                  revision("words-00001", "False", "ExitCode1", "1", "0")));
      assertThat(stateShown(driver, "words-00004")).isEqualTo("Deploying");
      assertThat(cell(driver, "words-00004", "instances")).isEqualTo("— / —");
      assertThat(cell(driver, "words-00003", "instances")).isEqualTo("0 / —");
      assertThat(cell(driver, "words-00003", "traffic")).isEqualTo("100%");
      assertThat(stateShown(driver, "words-00003")).isEqualTo("Scaled to zero");
      assertThat(cell(driver, "words-00002", "traffic")).isEqualTo("0% · previous");
      assertThat(cell(driver, "words-00002", "concurrency")).isEqualTo("0.25");
      assertThat(cell(driver, "words-00002", "rps")).isEqualTo("3.5");
      assertThat(stateShown(driver, "words-00001")).isEqualTo("Failed: ExitCode1");
      assertThat(driver.findElement(By.cssSelector("[data-service='default/words']")).getText())
          .contains("Failed: RevisionFailed")
          .doesNotContain("-1");

      driver.executeScript("window.coldbrew.show({time: 0, services: []});");
      assertThat(driver.findElement(By.id("services")).getText())
          .isEqualTo("No services yet: coldbrew apply -f app.yaml");
    } finally {
      driver.executeCdpCommand("Network.setBlockedURLs", Map.of("urls", java.util.List.of()));
    }
  }

  /** A revision of the state, with a short history whose latest sample is not its first. */
  private static String revision(
      String name, String ready, String reason, String desired, String actual) {
    return """
        {"name":"%s","ready":"%s","reason":%s,"message":null,"desired":%s,"actual":%s,
         "sksMode":"Proxy","panic":false,"history":{"t":[1,3],"concurrency":[2,0.25],
         "desired":[1,0],"actual":[1,0],"rps":[1,3.5],"coldStarts":[0,0]}}
        """
        .formatted(name, ready, reason == null ? "null" : "\"" + reason + "\"", desired, actual);
  }

  private static String cell(WebDriver driver, String revision, String column) {
    return driver
        .findElement(By.cssSelector("tr[data-revision='" + revision + "'] ." + column))
        .getText();
  }

  private static String stateShown(WebDriver driver, String revision) {
    return cell(driver, revision, "state");
  }

  /** Clicks a row that a redraw may replace meanwhile; true once a click landed. */
  private static boolean click(WebDriver driver, By row) {
    driver.findElement(row).findElement(By.cssSelector(".revision-name")).click();
    return true;
  }

  private static String sksModeShown(WebDriver driver, By row) {
    return driver.findElement(row).findElement(By.cssSelector(".sks-mode")).getText();
  }

  private static long maxActualCharted(WebDriver driver) {
    Object v =
        ((JavascriptExecutor) driver)
            .executeScript("return window.coldbrew.maxActual('default/" + REV + "');");
    return ((Number) v).longValue();
  }

  @Test
  @Order(2)
  void aResponseThatWaitedForAnInstanceSaysHowLong() throws Exception {
    String ms = coldStart().headers().get("coldbrew-cold-start");
    assertThat(ms).isNotNull();
    assertThat(Long.parseLong(ms)).isPositive();
    Reply warm = gatewayGet("dash.default.localhost");
    assertThat(warm.status()).isEqualTo(200);
    assertThat(warm.headers()).doesNotContainKey("coldbrew-cold-start");
  }

  @Test
  @Order(3)
  void metricsArePrometheusText() throws Exception {
    coldStart();
    HttpResponse<String> r =
        Http.CLIENT.send(
            platform.adminRequest("/metrics").build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain");
    String ok =
        TAGS.replace(
            "namespace=\"default\",", "namespace=\"default\",response_code_class=\"2xx\",");
    assertThat(r.body())
        .contains("autoscaler_desired_pods{" + TAGS + "}")
        .contains("autoscaler_actual_pods{" + TAGS + "}")
        .contains("autoscaler_target_concurrency_per_pod{" + TAGS + "} 70.0")
        .contains("coldbrew_cold_start_seconds_count{" + TAGS + "} 1")
        .contains("activator_request_count_total{" + ok + "}")
        .contains("revision_request_count_total{" + ok + "}")
        .contains("coldbrew_instance_starts_total{" + TAGS + "}")
        .contains("jvm_memory_used_bytes");
  }

  /** The activator_requests_held line of a revision in a /metrics scrape, or "". */
  private String heldLine(String revision) throws Exception {
    HttpResponse<String> r =
        Http.CLIENT.send(
            platform.adminRequest("/metrics").build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    return r.body()
        .lines()
        .filter(l -> l.startsWith("activator_requests_held{") && l.contains("\"" + revision + "\""))
        .findFirst()
        .orElse("");
  }

  @Test
  @Order(7)
  void heldRequestsAreCountedWhileTheyAreHeld() throws Exception {
    // an app that never listens: its revision never gets a ready instance, so the activator holds
    // every request sent to it until the client leaves
    var r =
        platform.run(
            Manifests.service(
                "held",
                NeverReadyApp.class,
                "held-" + System.nanoTime(),
                Map.of("initial-scale", "0"),
                "x",
                ""),
            "apply",
            "-f",
            "-");
    assertThat(r.code()).as(r.toString()).isZero();
    // Ready at zero: its route is published (requests sent before would be 404, never held)
    await()
        .atMost(WAIT)
        .until(
            () ->
                Http.resource(
                        platform, "/apis/serving.knative.dev/v1/namespaces/default/services/held")
                    .map(svc -> Http.condition(svc, "Ready").equals("True"))
                    .orElse(false));
    java.util.List<Socket> clients = new java.util.ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        Socket s = new Socket("127.0.0.1", platform.httpPort);
        s.getOutputStream()
            .write(
                "GET / HTTP/1.1\r\nHost: held.default.localhost\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
        clients.add(s);
      }
      await()
          .atMost(WAIT)
          .untilAsserted(() -> assertThat(heldLine("held-00001")).endsWith("} 3.0"));
      assertThat(heldLine("held-00001")).doesNotContain("NaN");
    } finally {
      for (Socket s : clients) {
        s.close();
      }
    }
    await().atMost(WAIT).untilAsserted(() -> assertThat(heldLine("held-00001")).endsWith("} 0.0"));
    assertThat(platform.cli("service", "delete", "held").code()).isZero();
  }

  @Test
  @Order(4)
  void getEventsListsTheColdStartAndTheScaleUp() throws Exception {
    coldStart();
    await()
        .atMost(WAIT)
        .until(() -> platform.cli("get", "events").out(), out -> out.contains("SKSModeChanged"));
    var r = platform.cli("get", "events");
    assertThat(r.code()).as(r.toString()).isZero();
    String[] lines = r.out().split("\n");
    assertThat(lines[0].split("\\s{2,}"))
        .containsExactly("LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE");
    assertThat(r.out())
        .containsPattern("Normal\\s+ColdStart\\s+revision/" + REV + "\\s+request waited \\d+ ms")
        .containsPattern("Normal\\s+ScaledUp\\s+revision/" + REV + "\\s+scaled from 0 to 1")
        .containsPattern("Normal\\s+SKSModeChanged\\s+sks/" + REV + "\\s+mode Proxy -> Serve")
        .containsPattern("Normal\\s+InstanceReady\\s+instance/" + REV + "-");
    assertThat(platform.cli("get", "events", "-n", "elsewhere").err()).contains("No events found");
  }

  @Test
  @Order(5)
  void theEventWatchStreamsWhatIsKeptThenNewEvents() throws Exception {
    coldStart();
    HttpResponse<java.io.InputStream> r =
        Http.CLIENT.send(
            platform.adminRequest("/events/namespaces/default?watch=true").build(),
            HttpResponse.BodyHandlers.ofInputStream());
    try (BufferedReader in =
        new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
      String first = in.readLine();
      assertThat(first).contains("\"namespace\":\"default\"").contains("\"reason\":");
    }
  }

  @Test
  @Order(6)
  void versionAndCompletion() throws Exception {
    var v = platform.cli("version");
    assertThat(v.code()).as(v.toString()).isZero();
    assertThat(v.out()).startsWith("coldbrew ").contains("java ");
    var c = platform.cli("completion", "bash");
    assertThat(c.code()).as(c.toString()).isZero();
    assertThat(c.out()).contains("complete -F").contains("version").contains("logs");
    var bad = platform.cli("completion", "fish");
    assertThat(bad.code()).isEqualTo(2);
    assertThat(bad.err()).contains("SHELL: \"fish\" (expected: bash or zsh)");
  }
}
