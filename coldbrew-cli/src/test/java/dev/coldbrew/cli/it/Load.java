package dev.coldbrew.cli.it;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Steady closed-loop load on the gateway for the fault tests: {@code concurrency} threads, each
 * sending its next request when the previous one is answered, bounded in requests and time. Counts
 * answers by status and by the revision named in the body, and failures (no answer at all).
 */
final class Load implements AutoCloseable {
  private final Platform platform;
  private final String host;
  private final String path;
  private final int maxRequests;
  private final long deadlineNanos;
  private final List<Thread> threads = new ArrayList<>();
  private volatile boolean stopped;
  final AtomicInteger sent = new AtomicInteger();
  final AtomicInteger failed = new AtomicInteger();
  final Map<Integer, AtomicInteger> byStatus = new ConcurrentSkipListMap<>();
  final Map<String, AtomicInteger> byRevision = new ConcurrentHashMap<>();
  final List<String> problems = java.util.Collections.synchronizedList(new ArrayList<>());
  volatile String lastRevision = "";

  private Load(Platform platform, String host, String path, int maxRequests, Duration maxTime) {
    this.platform = platform;
    this.host = host;
    this.path = path;
    this.maxRequests = maxRequests;
    this.deadlineNanos = System.nanoTime() + maxTime.toNanos();
  }

  /** Starts {@code concurrency} loops GETting {@code path} for {@code host}. */
  static Load start(
      Platform p, String host, String path, int concurrency, int maxRequests, Duration maxTime) {
    Load l = new Load(p, host, path, maxRequests, maxTime);
    for (int i = 0; i < concurrency; i++) {
      Thread t = new Thread(l::loop, "load-" + host + "-" + i);
      t.setDaemon(true);
      l.threads.add(t);
      t.start();
    }
    return l;
  }

  private void loop() {
    HttpRequest req =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + platform.httpPort + path))
            .header("Host", host)
            .timeout(Duration.ofSeconds(60))
            .build();
    while (!stopped && System.nanoTime() < deadlineNanos) {
      if (sent.incrementAndGet() > maxRequests) {
        sent.decrementAndGet();
        return;
      }
      try {
        HttpResponse<String> r = Http.CLIENT.send(req, HttpResponse.BodyHandlers.ofString());
        byStatus.computeIfAbsent(r.statusCode(), k -> new AtomicInteger()).incrementAndGet();
        if (r.statusCode() == 200 && r.body().startsWith("revision=")) {
          String rev = r.body().substring(9, r.body().indexOf('\n'));
          byRevision.computeIfAbsent(rev, k -> new AtomicInteger()).incrementAndGet();
          lastRevision = rev;
        } else if (r.statusCode() != 200 && problems.size() < 5) {
          problems.add(r.statusCode() + " " + r.body().strip());
        }
      } catch (Exception e) {
        failed.incrementAndGet();
        if (problems.size() < 5) {
          problems.add(e.toString());
        }
        if (e instanceof InterruptedException) {
          return;
        }
      }
    }
  }

  /** Answers so far. */
  int answered() {
    return byStatus.values().stream().mapToInt(AtomicInteger::get).sum();
  }

  int status(int code) {
    AtomicInteger n = byStatus.get(code);
    return n == null ? 0 : n.get();
  }

  /** Answers that were not 200, plus failures. */
  int non200() {
    return answered() - status(200) + failed.get();
  }

  /** Stops the loops and waits for their last requests (again: does nothing). */
  void stop() throws InterruptedException {
    stopped = true;
    for (Thread t : threads) {
      t.join(90_000);
    }
  }

  /**
   * {@link #stop()}, for try-with-resources; an interrupt while waiting is kept on the thread (the
   * loops are daemon threads and end at their own deadline).
   */
  @Override
  public void close() {
    try {
      stop();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Prints and returns the counts line that docs/reliability.md tabulates. */
  String report(String scenario) {
    Map<Integer, Integer> codes = new TreeMap<>();
    byStatus.forEach((k, v) -> codes.put(k, v.get()));
    String line =
        "RELIABILITY | "
            + scenario
            + " | sent "
            + sent.get()
            + " | answered "
            + codes
            + " | failed "
            + failed.get()
            + (problems.isEmpty() ? "" : " | e.g. " + problems);
    System.out.println(line);
    return line;
  }
}
