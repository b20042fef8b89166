package dev.coldbrew.kubernetes;

import dev.coldbrew.api.model.NamespacedName;
import dev.coldbrew.api.runtime.Instance;
import dev.coldbrew.api.stats.Stat;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The KPA's metric source on a cluster, as Knative's stats scraper: every {@code period} (1 s), for
 * each Revision scaled to one pod or more, scrape a sample of its ready pods' queues — all of them
 * up to 3, then Knative's population-mean sample size — moving on to another pod when one fails;
 * average what the sample reported and multiply by the ready count, and hand the autoscaler one
 * {@link Stat} from {@value #POD_NAME}. A round that could not read a full sample sends nothing
 * (the autoscaler sees no data, as in Knative). A Revision whose last round is still running is
 * skipped. Thread-safe; the loop runs on its own thread, scrapes complete on the scraper's threads,
 * and the {@link Stat.Sink} (the multiscaler) only records.
 */
final class ScrapeLoop implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ScrapeLoop.class);

  /** The reporter's name in the stats, as Knative's scraper calls itself. */
  static final String POD_NAME = "service-scraper";

  private final KubernetesRuntime runtime;
  private final QueueScraper scraper;
  private final Stat.Sink sink;
  private final Clock clock;
  private final Set<NamespacedName> inFlight = ConcurrentHashMap.newKeySet();
  private final ScheduledExecutorService timer;

  ScrapeLoop(
      KubernetesRuntime runtime,
      QueueScraper scraper,
      Stat.Sink sink,
      Clock clock,
      Duration period) {
    this.runtime = runtime;
    this.scraper = scraper;
    this.sink = sink;
    this.clock = clock;
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "coldbrew-k8s-scrape-loop");
              t.setDaemon(true);
              return t;
            });
    timer.scheduleWithFixedDelay(
        this::round, period.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * Knative's sample size for a population of ready pods: all of them up to 3, else {@code ceil(N·X
   * / (N + X − 1))} with {@code X = 1.96² · 100 / 5²}.
   */
  static int sampleSize(int population) {
    if (population <= 3) {
      return Math.max(population, 0);
    }
    double x = 1.96 * 1.96 * 100.0 / 25.0;
    return (int) Math.ceil(population * x / (population + x - 1));
  }

  private void round() {
    try {
      for (NamespacedName rev : runtime.scaledUp()) {
        if (inFlight.add(rev)) {
          scrape(rev).whenComplete((v, e) -> inFlight.remove(rev));
        }
      }
    } catch (RuntimeException e) {
      LOG.warn("scrape round failed", e);
    }
  }

  /** One Revision's round. */
  CompletableFuture<Void> scrape(NamespacedName rev) {
    List<Instance> ready = new ArrayList<>(runtime.instances(rev).ready());
    if (ready.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    Collections.shuffle(ready);
    int n = sampleSize(ready.size());
    AtomicInteger next = new AtomicInteger();
    ConcurrentLinkedQueue<QueueStats> results = new ConcurrentLinkedQueue<>();
    CompletableFuture<?>[] chains = new CompletableFuture<?>[n];
    for (int i = 0; i < n; i++) {
      chains[i] = chain(ready, next, results);
    }
    return CompletableFuture.allOf(chains)
        .thenRun(
            () -> {
              if (results.size() < n) {
                LOG.debug("{}: scraped {} of {} pods; no stat this round", rev, results.size(), n);
                return;
              }
              double c = 0;
              double pc = 0;
              double rps = 0;
              double prps = 0;
              for (QueueStats s : results) {
                c += s.averageConcurrentRequests();
                pc += s.averageProxiedConcurrentRequests();
                rps += s.requestsPerSecond();
                prps += s.proxiedRequestsPerSecond();
              }
              double scale = (double) ready.size() / n;
              sink.accept(
                  new Stat(
                      rev,
                      clock.millis(),
                      POD_NAME,
                      c * scale,
                      pc * scale,
                      rps * scale,
                      prps * scale));
            });
  }

  /** Scrapes the next unscraped pod until one answers or none is left; never fails. */
  private CompletableFuture<Void> chain(
      List<Instance> pods, AtomicInteger next, ConcurrentLinkedQueue<QueueStats> results) {
    int i = next.getAndIncrement();
    if (i >= pods.size()) {
      return CompletableFuture.completedFuture(null);
    }
    Instance pod = pods.get(i);
    CompletableFuture<QueueStats> one;
    try {
      one = scraper.scrape(pod.host());
    } catch (RuntimeException e) {
      one = CompletableFuture.failedFuture(e);
    }
    return one.handle(
            (stats, e) -> {
              if (e == null && stats != null) {
                results.add(stats);
                return CompletableFuture.<Void>completedFuture(null);
              }
              LOG.debug("scraping {} ({}) failed: {}", pod.id(), pod.host(), String.valueOf(e));
              return chain(pods, next, results);
            })
        .thenCompose(f -> f);
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
