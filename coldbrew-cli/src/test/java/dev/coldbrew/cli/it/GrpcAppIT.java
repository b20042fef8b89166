package dev.coldbrew.cli.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link GrpcApp} and {@link GrpcClient} against each other directly, without Coldbrew: the app as
 * its own process on a free port, every kind of call, health, deadlines and cancellation, and a
 * clean stop on SIGTERM. What the gateway tests build on.
 */
class GrpcAppIT {
  @TempDir static Path tmp;

  static App app;
  static GrpcClient client;

  /** A GrpcApp process and the file its output goes to. */
  record App(Process process, int port, Path log) {
    static App start(Path dir) throws IOException {
      int port = Platform.freePort();
      Path log = dir.resolve("grpc-app-" + port + ".log");
      ProcessBuilder pb =
          new ProcessBuilder(GrpcApp.command())
              .redirectErrorStream(true)
              .redirectOutput(log.toFile());
      pb.environment().put("PORT", String.valueOf(port));
      App a = new App(pb.start(), port, log);
      a.awaitOutput("listening on " + port);
      return a;
    }

    String output() throws IOException {
      return Files.exists(log) ? Files.readString(log) : "";
    }

    void awaitOutput(String line) {
      await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(50))
          .until(
              () -> {
                if (!process.isAlive() && !output().contains(line)) {
                  throw new AssertionError(
                      "grpc app exited " + process.exitValue() + ":\n" + output());
                }
                return output().contains(line);
              });
    }

    void stop() throws InterruptedException {
      process.destroy();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
    }
  }

  @BeforeAll
  static void start() throws IOException {
    app = App.start(tmp);
    client = new GrpcClient(app.port(), null);
  }

  @AfterAll
  static void stop() throws InterruptedException {
    if (client != null) {
      client.close();
    }
    if (app != null) {
      app.stop();
    }
  }

  @Test
  void unaryEchoesAndSaysWhichProcessAndAuthorityServedIt() {
    GrpcClient.Reply r = client.unary("hello");
    assertThat(r.message()).isEqualTo("echo:hello");
    assertThat(r.pid()).isEqualTo(app.process().pid());
    assertThat(r.authority()).isEqualTo("127.0.0.1:" + app.port());
    assertThat(r.revision()).as("no K_REVISION outside Coldbrew").isNull();
    assertThat(client.unary("").message()).isEqualTo("echo:");
    assertThat(client.unary("ünïcødé ✓").message()).isEqualTo("echo:ünïcødé ✓");
  }

  @Test
  void anOverriddenAuthorityIsWhatTheAppSees() throws InterruptedException {
    try (GrpcClient c = new GrpcClient(app.port(), "hello.default.localhost")) {
      assertThat(c.unary("x").authority()).isEqualTo("hello.default.localhost");
    }
  }

  @Test
  void serverStreamSendsNMessages() {
    GrpcClient.Reply r = client.serverStream("3:abc");
    assertThat(r.messages()).containsExactly("1:abc", "2:abc", "3:abc");
    assertThat(r.pid()).isEqualTo(app.process().pid());
    assertThat(client.serverStream("0:none").messages()).isEmpty();
    assertThat(client.serverStream("2:a:b").messages()).containsExactly("1:a:b", "2:a:b");
    assertThat(client.serverStream("1000:x").messages()).hasSize(1000).endsWith("1000:x");
  }

  @Test
  void serverStreamRefusesAMalformedCountNamingIt() {
    for (String bad : List.of("abc", "x:abc", "-1:abc", "100001:abc", ":abc", "99999999999:a")) {
      assertThatThrownBy(() -> client.serverStream(bad))
          .as(bad)
          .satisfies(invalidArgumentNaming(bad));
    }
  }

  @Test
  void clientStreamCountsAndJoinsWhatItGot() throws InterruptedException {
    GrpcClient.Reply r = client.clientStream(List.of("a", "b", "c"));
    assertThat(r.message()).isEqualTo("3:a,b,c");
    assertThat(r.pid()).isEqualTo(app.process().pid());
    assertThat(client.clientStream(List.of()).message()).isEqualTo("0:");
  }

  @Test
  void bidiEchoesEachMessageWhileTheCallIsOpen() throws InterruptedException {
    GrpcClient.Reply r = client.bidi(List.of("one", "two", "three"));
    assertThat(r.messages()).containsExactly("echo:one", "echo:two", "echo:three");
    assertThat(r.pid()).isEqualTo(app.process().pid());
    assertThat(client.bidi(List.of()).messages()).isEmpty();
  }

  @Test
  void manyConcurrentCallsOnOneChannelAllAnswer() {
    List<CompletableFuture<GrpcClient.Reply>> calls = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      calls.add(client.unaryAsync("n" + i));
    }
    for (int i = 0; i < calls.size(); i++) {
      assertThat(calls.get(i).join().message()).isEqualTo("echo:n" + i);
    }
  }

  @Test
  void healthIsServingForTheServerAndTheEchoService() {
    assertThat(client.health("")).isEqualTo(ServingStatus.SERVING);
    assertThat(client.health(GrpcApp.SERVICE)).isEqualTo(ServingStatus.SERVING);
    assertThatThrownBy(() -> client.health("no.such.Service"))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
  }

  @Test
  void slowAnswersWhenItsWaitEndsBeforeTheDeadline() {
    assertThat(client.slow("200", Duration.ofSeconds(60)).message()).isEqualTo("slept:200");
  }

  @Test
  void aDeadlineEndsTheCallAndTheAppSeesItCancelled() throws IOException {
    long t0 = System.nanoTime();
    assertThatThrownBy(() -> client.slow("60000", Duration.ofMillis(1500)))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
    assertThat(Duration.ofNanos(System.nanoTime() - t0))
        .as("the deadline, not the 60 s wait, ended it")
        .isLessThan(Duration.ofSeconds(50));
    app.awaitOutput("cancelled Slow 60000 after");
    assertThat(app.output()).containsPattern("cancelled Slow 60000 after \\d+ ms, deadline left");
    assertThat(app.output()).doesNotContain("slept:60000");
  }

  @Test
  void cancellingTheCallBeforeItsDeadlineReachesTheApp() {
    var call = client.slowAsync(120_000);
    app.awaitOutput("waiting Slow 120000");
    assertThat(call.cancel(true)).isTrue();
    app.awaitOutput("cancelled Slow 120000 after");
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              Matcher m =
                  Pattern.compile("cancelled Slow 120000 after \\d+ ms, deadline left (\\d+) ms\n")
                      .matcher(app.output());
              assertThat(m.find()).as(app.output()).isTrue();
              assertThat(Long.parseLong(m.group(1)))
                  .as("a reset long before the deadline (180 s) cancelled it")
                  .isGreaterThan(60_000);
            });
  }

  @Test
  void slowRefusesAMalformedWaitNamingIt() {
    for (String bad : List.of("abc", "-5", "600001", "", "1.5")) {
      assertThatThrownBy(() -> client.slow(bad, Duration.ofSeconds(60)))
          .as(bad)
          .satisfies(invalidArgumentNaming(bad));
    }
  }

  @Test
  void twoInstancesAreToldApartByPid() throws IOException, InterruptedException {
    App other = App.start(tmp);
    try (GrpcClient c = new GrpcClient(other.port(), null)) {
      long pid = c.unary("x").pid();
      assertThat(pid).isEqualTo(other.process().pid()).isNotEqualTo(client.unary("x").pid());
    } finally {
      other.stop();
    }
  }

  @Test
  void sigtermStopsItCleanly() throws IOException, InterruptedException {
    App other = App.start(tmp);
    try (GrpcClient c = new GrpcClient(other.port(), null)) {
      assertThat(c.unary("x").message()).isEqualTo("echo:x");
    }
    other.process().destroy(); // SIGTERM
    assertThat(other.process().waitFor(30, TimeUnit.SECONDS)).as("exited").isTrue();
    assertThat(other.output()).contains("stopped");
    assertThat(other.process().exitValue()).as("SIGTERM's status").isEqualTo(143);
  }

  @Test
  void aMissingOrMalformedPortIsRefusedNamingIt() throws IOException, InterruptedException {
    for (String bad : List.of("", "http", "99999x", "0", "70000", "-1")) {
      Path out = tmp.resolve("bad-port.log");
      ProcessBuilder pb =
          new ProcessBuilder(GrpcApp.command())
              .redirectErrorStream(true)
              .redirectOutput(out.toFile());
      pb.environment().put("PORT", bad);
      Process p = pb.start();
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).isEqualTo(2);
      assertThat(Files.readString(out))
          .contains("PORT: \"" + bad + "\" (expected: a port, 1-65535)");
    }
  }

  private static Consumer<Throwable> invalidArgumentNaming(String bad) {
    return t -> {
      assertThat(t).isInstanceOf(StatusRuntimeException.class);
      Status s = ((StatusRuntimeException) t).getStatus();
      assertThat(s.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(s.getDescription()).contains("\"" + bad + "\"").contains("expected");
    };
  }
}
