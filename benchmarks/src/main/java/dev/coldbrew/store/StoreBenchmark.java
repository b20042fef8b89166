package dev.coldbrew.store;

import dev.coldbrew.api.codec.ResourceCodec;
import dev.coldbrew.api.model.Kind;
import dev.coldbrew.api.model.Resource;
import dev.coldbrew.api.model.Service;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Measures the SQLite store's write throughput with N concurrent writers, each applying services
 * the way the reconcilers do (7 writes per service: Service, its status, Configuration, Route,
 * Revision, PodAutoscaler, ServerlessService). Usage: {@code StoreBenchmark <services>
 * <threads>...} (0 threads: one thread pipelining the async API); {@code bench/run store} runs it.
 * Single-threaded main.
 */
public final class StoreBenchmark {
  private StoreBenchmark() {}

  public static void main(String[] args) throws Exception {
    int services = Integer.parseInt(args[0]);
    for (int a = 1; a < args.length; a++) {
      int threads = Integer.parseInt(args[a]);
      Path dir = Files.createTempDirectory("coldbrew-bench");
      try (SqliteStore store = SqliteStore.open(dir.resolve("data"))) {
        if (threads == 0) {
          long start = System.nanoTime();
          Semaphore inFlight = new Semaphore(256);
          List<CompletableFuture<?>> all = new ArrayList<>();
          for (int i = 0; i < services; i++) {
            inFlight.acquire();
            all.add(applyAsync(store, "svc-" + i).whenComplete((r, e) -> inFlight.release()));
          }
          CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
          double seconds = (System.nanoTime() - start) / 1e9;
          System.out.printf(
              "async pipelined, 1 thread, services=%d: %.0f services/s, %.0f writes/s (%.1f s)%n",
              services, services / seconds, services * 7 / seconds, seconds);
          continue;
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        AtomicInteger next = new AtomicInteger();
        AtomicInteger writes = new AtomicInteger();
        long start = System.nanoTime();
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          done.add(
              pool.submit(
                  () -> {
                    for (int i; (i = next.getAndIncrement()) < services; ) {
                      applyOne(store, "svc-" + i);
                      writes.addAndGet(7);
                    }
                  }));
        }
        for (Future<?> f : done) {
          f.get();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        pool.shutdown();
        System.out.printf(
            "threads=%d services=%d: %.0f services/s, %.0f writes/s (%.1f s)%n",
            threads, services, services / seconds, writes.get() / seconds, seconds);
      }
      try (var files = Files.walk(dir)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static CompletableFuture<?> applyAsync(Store store, String name) {
    return store
        .createAsync(Fixtures.service(name))
        .thenCompose(
            svc -> {
              Service withStatus = (Service) svc;
              withStatus.status = new Service.ServiceStatus();
              withStatus.status.url = "http://" + name + ".default.localhost:8080";
              CompletableFuture<?> status = store.updateStatusAsync(withStatus);
              CompletableFuture<?> route = store.createAsync(Fixtures.child(Kind.ROUTE, name, svc));
              CompletableFuture<?> chain =
                  store
                      .createAsync(Fixtures.child(Kind.CONFIGURATION, name, svc))
                      .thenCompose(
                          cfg ->
                              store.createAsync(
                                  Fixtures.child(Kind.REVISION, name + "-00001", cfg)))
                      .thenCompose(
                          rev ->
                              CompletableFuture.allOf(
                                  store.createAsync(
                                      Fixtures.child(Kind.POD_AUTOSCALER, name + "-00001", rev)),
                                  store.createAsync(
                                      Fixtures.child(
                                          Kind.SERVERLESS_SERVICE, name + "-00001", rev))));
              return CompletableFuture.allOf(status, route, chain);
            });
  }

  private static void applyOne(Store store, String name) {
    Service svc = (Service) store.create(Fixtures.service(name));
    Service withStatus = ResourceCodec.copy(svc);
    withStatus.status = new Service.ServiceStatus();
    withStatus.status.url = "http://" + name + ".default.localhost:8080";
    store.updateStatus(withStatus);
    Resource cfg = store.create(Fixtures.child(Kind.CONFIGURATION, name, svc));
    store.create(Fixtures.child(Kind.ROUTE, name, svc));
    Resource rev = store.create(Fixtures.child(Kind.REVISION, name + "-00001", cfg));
    store.create(Fixtures.child(Kind.POD_AUTOSCALER, name + "-00001", rev));
    store.create(Fixtures.child(Kind.SERVERLESS_SERVICE, name + "-00001", rev));
  }
}
