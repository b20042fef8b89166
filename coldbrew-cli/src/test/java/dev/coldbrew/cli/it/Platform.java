package dev.coldbrew.cli.it;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code coldbrew serve} started from the built jar as its own process, on free ports and a
 * data dir of the test's, and the CLI run against it as further processes. Both run with a home
 * directory of the test's ({@code -Duser.home}), so the CLI finds the admin token the way it does
 * for a user ({@code ~/.coldbrew/servers/PORT}) without touching the real home. Used by the
 * end-to-end tests, most through {@link PlatformExtension}; everything it starts it stops. Not
 * thread-safe: one test thread starts and stops it (the CLI runs may come from several).
 */
class Platform implements AutoCloseable {
  static final Path JAR = Path.of("target", "coldbrew.jar").toAbsolutePath();
  static final Path TEST_CLASSES = Path.of("target", "test-classes").toAbsolutePath();

  final Path dir;
  final Path dataDir;
  final Path home;
  final int httpPort;
  final int adminPort;
  final Path log;
  private final List<String> extraArgs;
  private Process serve;

  Platform(Path dir, String... extraArgs) throws IOException {
    this(dir, freePort(), freePort(), extraArgs);
  }

  /** A platform on {@code dir} and these ports: a restart, as a user would do it, on the same. */
  Platform(Path dir, int httpPort, int adminPort, String... extraArgs) {
    this.dir = dir;
    this.dataDir = dir.resolve("data");
    this.home = dir.resolve("home");
    this.httpPort = httpPort;
    this.adminPort = adminPort;
    this.log = dir.resolve("serve.log");
    this.extraArgs = List.of(extraArgs);
  }

  /** Another serve on the same data dir, ports and flags (this one must have exited). */
  Platform again() {
    return new Platform(dir, httpPort, adminPort, extraArgs.toArray(String[]::new));
  }

  /**
   * The config most end-to-end tests run with: revisions may start at zero, and a revision at zero
   * leaves 2 s after its stable window instead of 30 s, so scale-down scenarios stay short.
   */
  static final String FAST_SCALE_TO_ZERO =
      """
      autoscaler:
        allow-zero-initial-scale: "true"
        scale-to-zero-grace-period: 2s
      """;

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** Starts serve and waits until /healthz answers. */
  Platform start() throws IOException {
    Files.createDirectories(home);
    List<String> cmd =
        new ArrayList<>(
            List.of(
                java(),
                "-Duser.home=" + home,
                "-jar",
                JAR.toString(),
                "serve",
                "--http-port",
                String.valueOf(httpPort),
                "--admin-port",
                String.valueOf(adminPort),
                "--data-dir",
                dataDir.toString()));
    cmd.addAll(extraArgs);
    serve =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .start();
    HttpClient http = HttpClient.newHttpClient();
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(100))
        .until(
            () -> {
              if (!serve.isAlive()) {
                throw new AssertionError(
                    "serve exited " + serve.exitValue() + ":\n" + Files.readString(log));
              }
              try {
                return http.send(
                            HttpRequest.newBuilder(URI.create(admin("/healthz"))).build(),
                            HttpResponse.BodyHandlers.ofString())
                        .statusCode()
                    == 200;
              } catch (IOException e) {
                return false;
              }
            });
    return this;
  }

  String admin(String path) {
    return "http://127.0.0.1:" + adminPort + path;
  }

  /** The admin API's bearer token, as the running serve wrote it (a new one at every start). */
  String token() throws IOException {
    return Files.readString(dataDir.resolve("admin-token")).trim();
  }

  /** A request to the admin API carrying the token. */
  HttpRequest.Builder adminRequest(String path) throws IOException {
    return HttpRequest.newBuilder(URI.create(admin(path)))
        .header("Authorization", "Bearer " + token())
        .timeout(Duration.ofSeconds(60));
  }

  /** Sends SIGTERM and waits for a clean exit. */
  int stop() throws InterruptedException {
    if (serve == null) {
      return 0;
    }
    serve.destroy();
    if (!serve.waitFor(60, TimeUnit.SECONDS)) {
      serve.destroyForcibly().waitFor();
    }
    return serve.exitValue();
  }

  /** SIGINT, as Ctrl-C in a terminal sends it (to serve alone here, not to its instances). */
  void interrupt() throws IOException, InterruptedException {
    int code = new ProcessBuilder("kill", "-INT", String.valueOf(serve.pid())).start().waitFor();
    if (code != 0) {
      throw new IOException("kill -INT " + serve.pid() + " exited " + code);
    }
  }

  /** The exit status once serve exits within {@code timeout}; -1 if it is still running. */
  int awaitExit(Duration timeout) throws InterruptedException {
    return serve.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) ? serve.exitValue() : -1;
  }

  /** SIGKILL: the platform dies without cleaning up. */
  void kill() throws InterruptedException {
    serve.destroyForcibly().waitFor();
  }

  long pid() {
    return serve.pid();
  }

  /** Applies a manifest through the real CLI ({@code apply -f -}) and asserts it was accepted. */
  void apply(String yaml) throws IOException, InterruptedException {
    Result r = run(yaml, "apply", "-f", "-");
    org.assertj.core.api.Assertions.assertThat(r.code()).as(r.toString()).isZero();
  }

  /** Runs {@code coldbrew ARGS} (the real jar) against this platform. */
  Result cli(String... args) throws IOException, InterruptedException {
    return run(null, args);
  }

  /** Runs the CLI with {@code stdin} as standard input. */
  Result run(String stdin, String... args) throws IOException, InterruptedException {
    return run(Map.of(), null, stdin, args);
  }

  /**
   * Runs the CLI with extra environment variables, in {@code cwd} (null: this process's), with
   * {@code stdin} (null: none); a run that does not finish within 120 s is killed and fails.
   */
  Result run(Map<String, String> env, Path cwd, String stdin, String... args)
      throws IOException, InterruptedException {
    return runAs(home, env, cwd, stdin, args);
  }

  /** {@link #run} with {@code userHome} as the CLI's home directory. */
  Result runAs(Path userHome, Map<String, String> env, Path cwd, String stdin, String... args)
      throws IOException, InterruptedException {
    List<String> cmd =
        new ArrayList<>(List.of(java(), "-Duser.home=" + userHome, "-jar", JAR.toString()));
    cmd.addAll(List.of(args));
    Path out = Files.createTempFile("coldbrew-cli", ".out");
    Path err = Files.createTempFile("coldbrew-cli", ".err");
    try {
      ProcessBuilder pb =
          new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
      if (cwd != null) {
        pb.directory(cwd.toFile());
      }
      pb.environment().put("COLDBREW_SERVER", "http://127.0.0.1:" + adminPort);
      pb.environment().putAll(env);
      Process p = pb.start();
      if (stdin != null) {
        p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
      }
      p.getOutputStream().close();
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor();
        throw new AssertionError(
            "coldbrew "
                + cmd
                + " did not finish:\n"
                + Files.readString(out)
                + Files.readString(err));
      }
      return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }

  static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  /** A command line that runs one of the test apps in this module's test classes. */
  static List<String> app(String mainClass) {
    return app(mainClass, TEST_CLASSES.toString());
  }

  /** A command line that runs a test app with {@code classpath}. */
  static List<String> app(String mainClass, String classpath) {
    return List.of(
        java(),
        "-XX:TieredStopAtLevel=1",
        "-XX:+UseSerialGC",
        "-Xshare:auto",
        "-cp",
        classpath,
        mainClass);
  }

  /** The YAML flow list of {@link #app}. */
  static String appYaml(String mainClass) {
    StringBuilder sb = new StringBuilder("[");
    List<String> a = app(mainClass);
    for (int i = 0; i < a.size(); i++) {
      sb.append(i == 0 ? "" : ", ").append('"').append(a.get(i)).append('"');
    }
    return sb.append(']').toString();
  }

  /** {@link #stop()}; an interrupt while waiting is kept on the thread. */
  @Override
  public void close() {
    try {
      stop();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** A CLI run's exit code and output. */
  record Result(int code, String out, String err) {
    @Override
    public String toString() {
      return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
  }
}
