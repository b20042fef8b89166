package dev.coldbrew.cli.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 16 against the running jar with the admin API on loopback (the default): a web page's
 * drive-by POST, a DNS-rebinding page and another local account never get a command run (each would
 * create a marker file; a Service applied properly afterwards shows how soon it would have
 * appeared); login URLs work once; slow-header connections are closed; a 60 MB chunked POST is cut
 * with 413.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LoopbackAdminIT {
  static final Duration WAIT = Duration.ofSeconds(90);
  static final String SERVICES = "/apis/serving.knative.dev/v1/namespaces/default/services";

  @RegisterExtension static final PlatformExtension platform = PlatformExtension.withDefaults();

  final Path dir = platform.dir;

  private String host() {
    return "127.0.0.1:" + platform.adminPort;
  }

  /** A Service whose only effect is a file: {@code command} runs {@code id > marker}. */
  private static String service(String name, Path marker) {
    return """
        {"apiVersion": "serving.knative.dev/v1", "kind": "Service", "metadata": {"name": "%s"},
         "spec": {"template": {"spec": {"containers": [
           {"command": ["sh", "-c", "id > %s; exec sleep 300"]}]}}}}
        """
        .formatted(name, marker);
  }

  /**
   * Applies a Service the proper way (the CLI, as the user running serve) and waits for its marker:
   * a refused request sent before it would have left its marker by then.
   */
  private void control(String name) throws Exception {
    Path marker = dir.resolve(name);
    var r = platform.run(service(name, marker), "apply", "-f", "-");
    assertThat(r.code()).as(r.toString()).isZero();
    long t0 = System.nanoTime();
    await().atMost(WAIT).until(() -> Files.exists(marker));
    System.out.println(
        "SECURITY | control service's command ran "
            + (System.nanoTime() - t0) / 1_000_000
            + " ms after its apply");
  }

  private List<String> serviceNames() throws Exception {
    var r = platform.cli("get", "ksvc", "-o", "name");
    assertThat(r.code()).as(r.toString()).isZero();
    return r.out().lines().toList();
  }

  @Test
  void aWebPageNeverRunsACommand() throws Exception {
    Path csrf = dir.resolve("pwned-csrf");
    Path rebind = dir.resolve("pwned-rebind");
    // The drive-by: a "simple" cross-origin request any page can send without a preflight.
    RawHttp.Reply r =
        RawHttp.exchange(
            platform.adminPort,
            RawHttp.request(
                "POST",
                SERVICES,
                "Host",
                host(),
                "Content-Type",
                "text/plain;charset=UTF-8",
                "Origin",
                "http://evil.example",
                "Sec-Fetch-Site",
                "cross-site",
                service("csrf", csrf)));
    assertThat(r.status()).as(r.body()).isEqualTo(403);
    // DNS rebinding: the page's own origin, resolved to 127.0.0.1; no token is in reach of a page.
    r =
        RawHttp.exchange(
            platform.adminPort,
            RawHttp.request(
                "POST",
                SERVICES,
                "Host",
                "rebind.evil.example:" + platform.adminPort,
                "Content-Type",
                "application/json",
                "Origin",
                "http://rebind.evil.example:" + platform.adminPort,
                "Sec-Fetch-Site",
                "same-origin",
                service("rebind", rebind)));
    assertThat(r.status()).as(r.body()).isEqualTo(421);
    RawHttp.Reply read =
        RawHttp.exchange(
            platform.adminPort,
            RawHttp.request(
                "GET",
                SERVICES,
                "Host",
                "rebind.evil.example:" + platform.adminPort,
                "Authorization",
                "Bearer " + platform.token()));
    assertThat(read.status()).isEqualTo(421);
    assertThat(read.body()).doesNotContain("ServiceList");

    control("control-web");
    assertThat(csrf).doesNotExist();
    assertThat(rebind).doesNotExist();
    assertThat(serviceNames())
        .contains("service.serving.knative.dev/control-web")
        .noneMatch(n -> n.endsWith("/csrf") || n.endsWith("/rebind"));
  }

  @Test
  void anotherLocalAccountCannotReadTheTokenAndIsRefused() throws Exception {
    Assumptions.assumeTrue(
        "root".equals(System.getProperty("user.name"))
            && Files.isExecutable(Path.of("/usr/sbin/runuser"))
            && Files.isExecutable(Path.of("/usr/bin/curl")),
        "needs root, runuser and curl to act as the account nobody");
    // Only the data directory (0700) and the token file (0600) stand in the way.
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path tokenFile = platform.dataDir.resolve("admin-token");
    Exec cat = exec(List.of("runuser", "-u", "nobody", "--", "cat", tokenFile.toString()));
    assertThat(cat.code()).as(cat.toString()).isNotZero();
    assertThat(cat.out()).doesNotContain(platform.token());

    Path marker = dir.resolve("pwned-nobody");
    Exec curl =
        exec(
            List.of(
                "runuser",
                "-u",
                "nobody",
                "--",
                "curl",
                "-s",
                "-o",
                "/dev/null",
                "-w",
                "%{http_code}",
                "-X",
                "POST",
                platform.admin(SERVICES),
                "-H",
                "Content-Type: application/json",
                "--data-binary",
                service("nobody", marker)));
    assertThat(curl.out()).as(curl.toString()).isEqualTo("401");

    Exec cli =
        exec(
            List.of(
                "runuser",
                "-u",
                "nobody",
                "--",
                Platform.java(),
                "-jar",
                Platform.JAR.toString(),
                "--server",
                platform.admin(""),
                "service",
                "create",
                "nobody-cli",
                "--cmd",
                "/usr/bin/touch",
                "--arg",
                marker.toString()));
    assertThat(cli.code()).as(cli.toString()).isEqualTo(1);
    assertThat(cli.out()).contains("needs a token and none was found").doesNotContain("\tat ");

    control("control-nobody");
    assertThat(marker).doesNotExist();
    assertThat(serviceNames()).noneMatch(n -> n.contains("nobody-cli") || n.endsWith("/nobody"));
  }

  /** An external command's exit code and its merged output. */
  record Exec(int code, String out) {}

  private Exec exec(List<String> cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    p.getOutputStream().close();
    CompletableFuture<String> out =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
              } catch (IOException e) {
                return e.toString();
              }
            });
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly().waitFor();
      throw new AssertionError(cmd + " did not finish");
    }
    return new Exec(p.exitValue(), out.get(30, TimeUnit.SECONDS).trim());
  }

  @Test
  void aLoginUrlWorksOnceAndOnlyOnce() throws Exception {
    Matcher printed =
        Pattern.compile("Dashboard: (http://\\S+/login\\?once=[0-9a-f]{64})")
            .matcher(Files.readString(platform.log));
    assertThat(printed.find()).as("serve prints a login URL").isTrue();
    var fresh = platform.cli("dashboard");
    assertThat(fresh.code()).as(fresh.toString()).isZero();
    for (String url : List.of(printed.group(1), fresh.out().trim())) {
      assertThat(url).startsWith(platform.admin("/login?once="));
      String path = url.substring(platform.admin("").length());
      RawHttp.Reply first =
          RawHttp.exchange(
              platform.adminPort,
              RawHttp.request("GET", path, "Host", host(), "Sec-Fetch-Site", "none"));
      assertThat(first.status()).isEqualTo(303);
      assertThat(first.header("location")).isEqualTo("/dashboard/");
      String setCookie = first.header("set-cookie");
      assertThat(setCookie).contains("HttpOnly").contains("SameSite=Strict");
      String cookie = setCookie.substring(0, setCookie.indexOf(';'));

      RawHttp.Reply second =
          RawHttp.exchange(
              platform.adminPort,
              RawHttp.request("GET", path, "Host", host(), "Sec-Fetch-Site", "none"));
      assertThat(second.status()).isEqualTo(401);
      assertThat(second.header("set-cookie")).isNull();

      RawHttp.Reply state =
          RawHttp.exchange(
              platform.adminPort,
              RawHttp.request("GET", "/dashboard/api/state", "Host", host(), "Cookie", cookie));
      assertThat(state.status()).isEqualTo(200);
      assertThat(state.body()).contains("\"services\"");
      RawHttp.Reply write =
          RawHttp.exchange(
              platform.adminPort,
              RawHttp.request(
                  "POST",
                  SERVICES,
                  "Host",
                  host(),
                  "Cookie",
                  cookie,
                  "Content-Type",
                  "application/json",
                  service("bycookie", dir.resolve("pwned-cookie"))));
      assertThat(write.status()).as("a session only reads").isEqualTo(401);
    }
  }

  @Test
  void slowHeaderConnectionsOnTheAdminPortAreClosed() throws Exception {
    int n = 50;
    List<Socket> sockets = new ArrayList<>();
    List<CompletableFuture<Long>> closedAfter = new ArrayList<>();
    long t0 = System.nanoTime();
    try {
      for (int i = 0; i < n; i++) {
        Socket s = new Socket("127.0.0.1", platform.adminPort);
        s.setSoTimeout(60_000);
        sockets.add(s);
        OutputStream out = s.getOutputStream();
        out.write(
            ("GET /healthz HTTP/1.1\r\nHost: " + host() + "\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        closedAfter.add(
            CompletableFuture.supplyAsync(
                () -> {
                  Thread trickle =
                      new Thread(
                          () -> {
                            try {
                              while (true) {
                                Thread.sleep(1000);
                                out.write("X-Slow: 1\r\n".getBytes(StandardCharsets.US_ASCII));
                              }
                            } catch (Exception closed) {
                              // closed by the server (or the test)
                            }
                          });
                  trickle.start();
                  try {
                    return s.getInputStream().read() < 0 ? System.nanoTime() - t0 : -1L;
                  } catch (IOException e) {
                    return System.nanoTime() - t0;
                  } finally {
                    trickle.interrupt();
                  }
                }));
      }
      // the API still answers meanwhile
      RawHttp.Reply health =
          RawHttp.exchange(platform.adminPort, RawHttp.request("GET", "/healthz", "Host", host()));
      assertThat(health.status()).isEqualTo(200);
      long min = Long.MAX_VALUE;
      long max = 0;
      for (CompletableFuture<Long> f : closedAfter) {
        long nanos = f.get(90, TimeUnit.SECONDS);
        assertThat(nanos).as("closed by the server, not answered").isPositive();
        min = Math.min(min, nanos);
        max = Math.max(max, nanos);
      }
      System.out.printf(
          "SECURITY | %d slow-header connections on the admin port | closed after %.1f..%.1f s%n",
          n, min / 1e9, max / 1e9);
      assertThat(Duration.ofNanos(min)).isGreaterThanOrEqualTo(Duration.ofSeconds(9));
      assertThat(Duration.ofNanos(max)).isLessThan(Duration.ofSeconds(60));
    } finally {
      for (Socket s : sockets) {
        s.close();
      }
    }
  }

  @Test
  void aSixtyMegabyteChunkedPostIsCutWith413() throws Exception {
    AtomicLong written = new AtomicLong();
    try (Socket s = new Socket("127.0.0.1", platform.adminPort)) {
      s.setSoTimeout(60_000);
      OutputStream out = s.getOutputStream();
      out.write(
          ("POST "
                  + SERVICES
                  + " HTTP/1.1\r\nHost: "
                  + host()
                  + "\r\nAuthorization: Bearer "
                  + platform.token()
                  + "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      byte[] chunk = new byte[64 * 1024];
      java.util.Arrays.fill(chunk, (byte) ' ');
      byte[] head =
          (Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII);
      byte[] crlf = "\r\n".getBytes(StandardCharsets.US_ASCII);
      CompletableFuture<Boolean> writer =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  while (written.get() < 60_000_000L) {
                    out.write(head);
                    out.write(chunk);
                    out.write(crlf);
                    written.addAndGet(chunk.length);
                  }
                  out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                  return true;
                } catch (IOException e) {
                  return false;
                }
              });
      InputStream in = s.getInputStream();
      RawHttp.Reply r;
      try {
        r = RawHttp.read(in);
      } catch (SocketException reset) {
        throw new AssertionError("reset before the 413 was read", reset);
      }
      assertThat(r.status()).isEqualTo(413);
      assertThat(writer.get(90, TimeUnit.SECONDS)).as("the upload was cut off").isFalse();
    }
    System.out.println(
        "SECURITY | 60 MB chunked POST, running jar | 413 after the client wrote "
            + written.get() / 1024
            + " KiB");
    assertThat(written.get()).isLessThan(20L * 1024 * 1024);
    assertThat(
            RawHttp.exchange(platform.adminPort, RawHttp.request("GET", "/healthz", "Host", host()))
                .status())
        .isEqualTo(200);
    var list = platform.cli("service", "list");
    assertThat(list.code()).as(list.toString()).isZero();
  }
}
