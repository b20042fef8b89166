package dev.coldbrew.cli.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chaos soak: steady GET load on three services while instances are killed with SIGKILL,
 * templates are rolled out, traffic is moved between revisions, one service is left to scale to
 * zero and woken again, and the platform itself is killed with SIGKILL halfway and started again on
 * its data dir and ports. Every request is accounted for: a failure is attributed to the platform
 * being down when it ended between the kill and the restarted platform's first healthy answer, or
 * to an instance kill when the killed instance had already begun the response (the client holds
 * part of it, so it cannot be sent again); any other failure is unattributed, and there must be
 * none (every request is an idempotent GET, so a kill before the response, a rollout or a scale
 * change may cost none). Afterwards: no instance of the killed platform is left, every acknowledged
 * rollout has its revision, the last acknowledged apply is what the store holds, and the platform's
 * open files and heap (after a full GC) at rest are back at their baseline: the restarted
 * platform's against the first one's, the heap allowed to grow by the revisions the soak made.
 *
 * <p>{@code -Dchaos.minutes=N} sets the length (2, the version {@code mvn verify} runs; {@code
 * bench/run chaos} runs 30), {@code -Dchaos.seed=S} the random choices, {@code
 * -Dchaos.results=FILE} where the report table is also written.
 */
class ChaosSoakIT {
  static final Duration WAIT = Duration.ofSeconds(120);
  static final String STEADY = "steady";
  static final String ROLLING = "rolling";
  static final String ZERO = "zero";

  /** A request that did not get a 200: when it ended, for which service, and what it got. */
  record Failure(long atNanos, String service, String what) {}

  private final List<Failure> failures = Collections.synchronizedList(new ArrayList<>());
  private final List<Long> kills = new ArrayList<>(); // when a steady instance was killed
  private final Map<String, AtomicInteger> ok = new TreeMap<>();
  private final Map<String, AtomicInteger> actions = new TreeMap<>();
  private final long marker = System.nanoTime();
  private volatile boolean stopped;
  private volatile boolean zeroPaused;
  private volatile Platform platform;

  private String marker(String service) {
    return "chaos-" + service + "-" + marker;
  }

  private String manifest(String service, String target, String traffic) {
    Map<String, String> annotations = new LinkedHashMap<>();
    annotations.put("window", "6s");
    switch (service) {
      case STEADY -> {
        annotations.put("min-scale", "2");
        annotations.put("max-scale", "4");
      }
      case ZERO -> annotations.put("initial-scale", "0");
      default -> annotations.put("min-scale", "1");
    }
    return Manifests.service(service, EchoApp.class, marker(service), annotations, target, "")
        + traffic;
  }

  private void count(String action) {
    synchronized (actions) {
      actions.computeIfAbsent(action, k -> new AtomicInteger()).incrementAndGet();
    }
  }

  /** One client: GETs {@code service} one after the other until stopped. */
  private void client(String service) {
    AtomicInteger n;
    synchronized (ok) {
      n = ok.computeIfAbsent(service, k -> new AtomicInteger());
    }
    while (!stopped) {
      if (service.equals(ZERO) && zeroPaused) {
        sleep(50);
        continue;
      }
      HttpRequest req =
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + platform.httpPort + "/?sleep=10"))
              .header("Host", service + ".default.localhost")
              .timeout(Duration.ofSeconds(60))
              .build();
      String what;
      try {
        HttpResponse<String> r = Http.CLIENT.send(req, HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          n.incrementAndGet();
          continue;
        }
        what = r.statusCode() + " " + r.body().strip();
      } catch (IOException e) {
        what = e.toString();
      } catch (InterruptedException e) {
        return;
      }
      failures.add(new Failure(System.nanoTime(), service, what));
      sleep(20); // a refused connection fails at once: do not spin while the platform is down
    }
  }

  /**
   * A response the killed instance had begun (the client got its head, then the connection closed):
   * it cannot be sent again, the client already has part of it. Not a 502: a request that failed
   * before any response byte must have been retried.
   */
  private boolean cutByKill(Failure f) {
    if (!f.service().equals(STEADY) || !f.what().startsWith("java.io.IOException")) {
      return false;
    }
    long window = Duration.ofSeconds(1).toNanos();
    return kills.stream().anyMatch(k -> f.atNanos() >= k && f.atNanos() - k <= window);
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private boolean ready(String service) throws Exception {
    return Http.resource(
            platform, "/apis/serving.knative.dev/v1/namespaces/default/services/" + service)
        .map(s -> Http.condition(s, "Ready").equals("True"))
        .orElse(false);
  }

  private List<ProcessHandle> instances() {
    return Stream.of(STEADY, ROLLING, ZERO)
        .flatMap(s -> Processes.withMarker(marker(s)).stream())
        .toList();
  }

  private static long openFiles(long pid) throws IOException {
    try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
      return fds.count();
    }
  }

  private static long rssKiB(long pid) throws IOException {
    return Files.readAllLines(Path.of("/proc", Long.toString(pid), "status")).stream()
        .filter(l -> l.startsWith("VmRSS:"))
        .mapToLong(l -> Long.parseLong(l.replaceAll("[^0-9]", "")))
        .findFirst()
        .orElse(-1);
  }

  /**
   * The platform's heap in use after a full collection ({@code jcmd PID GC.run}, then the {@code
   * jvm_memory_used_bytes} of the heap pools in {@code /metrics}), in bytes.
   */
  private static long heapAfterGc(Platform p) throws Exception {
    Process gc =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                Long.toString(p.pid()),
                "GC.run")
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    assertThat(gc.waitFor(60, TimeUnit.SECONDS)).isTrue();
    String metrics =
        Http.CLIENT
            .send(p.adminRequest("/metrics").build(), HttpResponse.BodyHandlers.ofString())
            .body();
    return (long)
        metrics
            .lines()
            .filter(l -> l.startsWith("jvm_memory_used_bytes{area=\"heap\""))
            .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
            .sum();
  }

  /** Waits until the services are at rest: steady 2 instances, rolling 1, zero none. */
  private void awaitRest() {
    await()
        .atMost(WAIT)
        .until(
            () ->
                Processes.withMarker(marker(STEADY)).size() == 2
                    && Processes.withMarker(marker(ROLLING)).size() == 1
                    && Processes.withMarker(marker(ZERO)).isEmpty());
  }

  @Test
  @Timeout(value = 1, unit = TimeUnit.DAYS) // instead of the 5-minute default: bounded below
  void underSteadyLoadEveryFaultButThePlatformsOwnDeathCostsNoRequest(@TempDir Path dir) {
    long minutes = Long.getLong("chaos.minutes", 2);
    assertTimeoutPreemptively(Duration.ofMinutes(minutes + 10), () -> soak(dir, minutes));
  }

  private void soak(Path dir, long minutes) throws Exception {
    long seed = Long.getLong("chaos.seed", System.nanoTime());
    Random random = new Random(seed);
    Path cfg = dir.resolve("coldbrew.yaml");
    Files.writeString(cfg, Platform.FAST_SCALE_TO_ZERO);
    platform = new Platform(dir, "--config", cfg.toString()).start();
    List<Thread> clients = new ArrayList<>();
    try {
      int rollout = 1;
      int rollingPercent = -1; // the old revision's share in the last traffic block applied
      platform.apply(manifest(STEADY, "s", ""));
      platform.apply(manifest(ROLLING, "r1", ""));
      platform.apply(manifest(ZERO, "z", ""));
      for (String s : List.of(STEADY, ROLLING, ZERO)) {
        await().atMost(WAIT).until(() -> ready(s));
      }
      awaitRest();
      long baselineFiles = openFiles(platform.pid());
      long baselineRss = rssKiB(platform.pid());
      long baselineHeap = heapAfterGc(platform);

      for (String s : List.of(STEADY, STEADY, STEADY, ROLLING, ROLLING, ROLLING, ZERO, ZERO)) {
        Thread t = new Thread(() -> client(s), "chaos-client-" + s);
        t.setDaemon(true);
        clients.add(t);
        t.start();
      }
      long start = System.nanoTime();
      long end = start + Duration.ofMinutes(minutes).toNanos();
      long platformKillAt = start + (end - start) / 2;
      long downFrom = -1;
      long downUntil = -1;
      long wakeZeroAt = -1;
      while (System.nanoTime() < end) {
        sleep(2000 + random.nextInt(2000));
        long now = System.nanoTime();
        if (wakeZeroAt > 0 && now >= wakeZeroAt) {
          zeroPaused = false;
          wakeZeroAt = -1;
          count("zero service woken (cold start)");
        }
        if (downFrom < 0 && now >= platformKillAt) {
          List<ProcessHandle> before = instances();
          downFrom = System.nanoTime();
          platform.kill();
          platform = platform.again().start();
          downUntil = System.nanoTime();
          count("platform killed -9 and restarted");
          // the restarted platform ends every instance of the one that died
          await().atMost(WAIT).until(() -> before.stream().noneMatch(ProcessHandle::isAlive));
          continue;
        }
        switch (random.nextInt(4)) {
          case 0 -> {
            List<ProcessHandle> steady = Processes.withMarker(marker(STEADY));
            if (!steady.isEmpty()) {
              kills.add(System.nanoTime());
              steady.get(random.nextInt(steady.size())).destroyForcibly();
              count("instance killed -9");
            }
          }
          case 1 -> {
            rollout++;
            rollingPercent = -1;
            platform.apply(manifest(ROLLING, "r" + rollout, ""));
            count("rollout of a new template");
          }
          case 2 -> {
            if (rollout > 1) {
              int percent = 10 * (1 + random.nextInt(9));
              String traffic =
                  """
                    traffic:
                      - {revisionName: %s-%05d, percent: %d}
                      - {latestRevision: true, percent: %d}
                  """
                      .formatted(ROLLING, rollout - 1, percent, 100 - percent);
              platform.apply(manifest(ROLLING, "r" + rollout, traffic));
              rollingPercent = percent;
              count("traffic moved");
            }
          }
          default -> {
            if (!zeroPaused) {
              zeroPaused = true; // no load: it scales to zero after its window and grace
              wakeZeroAt = System.nanoTime() + Duration.ofSeconds(12).toNanos();
              count("zero service left idle");
            }
          }
        }
      }
      stopped = true;
      for (Thread t : clients) {
        t.join(90_000);
      }

      // every failure is attributed, or it is a defect
      Map<String, Integer> causes = new TreeMap<>();
      List<Failure> unattributed = new ArrayList<>();
      synchronized (failures) {
        for (Failure f : failures) {
          if (downFrom > 0 && f.atNanos() >= downFrom && f.atNanos() <= downUntil) {
            causes.merge("failed while the platform was down", 1, Integer::sum);
          } else if (cutByKill(f)) {
            causes.merge("response cut by the kill of its instance", 1, Integer::sum);
          } else {
            causes.merge("unattributed", 1, Integer::sum);
            unattributed.add(f);
          }
        }
      }
      int answered = ok.values().stream().mapToInt(AtomicInteger::get).sum();

      // the last acknowledged apply is what the store holds
      com.fasterxml.jackson.databind.JsonNode spec =
          Http.resource(
                  platform, "/apis/serving.knative.dev/v1/namespaces/default/services/" + ROLLING)
              .orElseThrow()
              .path("spec");
      // every acknowledged rollout made its revision, with its template
      List<String> targets = new ArrayList<>();
      Http.resource(platform, "/apis/serving.knative.dev/v1/namespaces/default/revisions")
          .orElseThrow()
          .path("items")
          .forEach(
              r -> {
                if (ROLLING.equals(
                    r.path("metadata")
                        .path("labels")
                        .path("serving.knative.dev/service")
                        .asText())) {
                  targets.add(
                      r.path("spec")
                          .path("containers")
                          .get(0)
                          .path("env")
                          .get(0)
                          .path("value")
                          .asText());
                }
              });
      // at rest: all traffic on the latest revision, no load
      platform.apply(manifest(ROLLING, "r" + rollout, ""));
      zeroPaused = true;
      awaitRest();
      long endFiles = openFiles(platform.pid());
      long endRss = rssKiB(platform.pid());
      long endHeap = heapAfterGc(platform);
      // what the soak added to the store: one revision per rollout (about 32 KiB of heap each)
      long heapAllowed = baselineHeap + rollout * (64L << 10) + (16L << 20);
      String report =
          "| chaos soak | "
              + minutes
              + " min, seed "
              + seed
              + " |\n|---|---|\n| 200 answers | "
              + answered
              + " "
              + ok
              + " |\n| failures by cause | "
              + (causes.isEmpty() ? "none" : causes)
              + " |\n| actions | "
              + actions
              + " |\n| platform down | "
              + (downUntil - downFrom) / 1_000_000
              + " ms |\n| open files at rest | "
              + baselineFiles
              + " before, "
              + endFiles
              + " after (the restarted platform) |\n| RSS at rest | "
              + baselineRss / 1024
              + " MiB before, "
              + endRss / 1024
              + " MiB after |\n| heap after a full GC at rest | "
              + baselineHeap / (1 << 20)
              + " MiB before, "
              + endHeap / (1 << 20)
              + " MiB after (allowed: "
              + heapAllowed / (1 << 20)
              + ") |\n";
      System.out.println("RELIABILITY | chaos soak\n" + report);
      String results = System.getProperty("chaos.results");
      if (results != null) {
        Files.writeString(Path.of(results), report);
      }
      assertThat(spec.toString()).contains("\"value\":\"r" + rollout + "\"");
      assertThat(targets)
          .as("one revision per acknowledged rollout")
          .containsExactlyInAnyOrderElementsOf(
              java.util.stream.IntStream.rangeClosed(1, rollout).mapToObj(i -> "r" + i).toList());
      com.fasterxml.jackson.databind.JsonNode traffic = spec.path("traffic");
      if (rollingPercent < 0) { // none given: defaulted to all on the latest revision
        assertThat(traffic.size()).as(traffic.toString()).isEqualTo(1);
        assertThat(traffic.get(0).path("latestRevision").asBoolean()).isTrue();
      } else {
        assertThat(traffic.size()).as(traffic.toString()).isEqualTo(2);
        assertThat(traffic.get(0).path("percent").asInt()).isEqualTo(rollingPercent);
      }
      assertThat(unattributed).as("failures outside the platform's own downtime").isEmpty();
      assertThat(answered).isPositive();
      assertThat(actions).containsKey("platform killed -9 and restarted");
      assertThat(endFiles)
          .as("open files back at their baseline (at rest, with the same instances)")
          .isLessThanOrEqualTo(baselineFiles + 16);
      assertThat(endHeap)
          .as("heap after a full GC back at its baseline, but for the revisions the soak made")
          .isLessThanOrEqualTo(heapAllowed);
    } finally {
      stopped = true;
      platform.close();
    }
    await().atMost(WAIT).until(() -> instances().isEmpty());
  }
}
