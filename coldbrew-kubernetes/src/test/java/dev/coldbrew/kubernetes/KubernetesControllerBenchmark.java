package dev.coldbrew.kubernetes;

import dev.coldbrew.api.autoscaling.AutoscalerConfig;
import dev.coldbrew.api.codec.ResourceCodec;
import dev.coldbrew.api.model.Kind;
import dev.coldbrew.api.model.Resource;
import dev.coldbrew.api.model.Route;
import dev.coldbrew.api.validation.ValidationContext;
import dev.coldbrew.store.admission.Admission;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Not a test: {@code coldbrew controller} ({@link KubernetesController}, leader election on) on
 * fabric8's mock API server in this JVM. Usage: {@code KubernetesControllerBenchmark <services>
 * <pods|zero>}. With {@code pods}, {@link FakeCluster} runs one pod per Revision that turns ready;
 * with {@code zero}, Revisions start at zero instances (initial-scale 0), so no pods exist and the
 * cluster harness is not needed. Reports: Services applied (8 at a time, through the same admission
 * as {@code coldbrew apply --engine kubernetes}) per second until every Route is Ready with a URL;
 * the controller's API calls per Service, by call; and the controller's heap — live heap after a
 * full GC with the controller running minus the same after closing it (the mock server's copy of
 * the objects stays in both).
 */
public final class KubernetesControllerBenchmark {
  private static final String AGENT = "coldbrew-controller";

  private KubernetesControllerBenchmark() {}

  public static void main(String[] args) throws Exception {
    int n = Integer.parseInt(args[0]);
    boolean pods = args[1].equals("pods");
    ValidationContext ctx =
        new ValidationContext(
            ValidationContext.standard().defaults(),
            ValidationContext.standard().deployment(),
            ValidationContext.standard().domain(),
            AutoscalerConfig.fromMap("autoscaler", Map.of("allow-zero-initial-scale", "true"), 0),
            false);
    String annotations =
        pods
            ? "autoscaling.knative.dev/min-scale: \"1\""
            : "autoscaling.knative.dev/initial-scale: \"0\"";
    try (MockApiServer api = MockApiServer.start()) {
      api.recordBodies(false);
      FakeCluster cluster = pods ? FakeCluster.start(api, Duration.ZERO) : null;
      api.admin()
          .discovery()
          .v1()
          .endpointSlices()
          .inNamespace("coldbrew-system")
          .resource(
              Samples.slice("coldbrew-system", "activator-service", List.of("127.0.9.1"), true))
          .create();
      KubernetesController.Options o =
          KubernetesController.Options.defaults(
                  "ghcr.io/coldbrew/coldbrew:bench", ctx, "bench", null)
              .withDomain("example.com", 80);
      KubernetesController c =
          KubernetesController.start(
              api.client(AGENT),
              o,
              ip -> CompletableFuture.completedFuture(new QueueStats(0, 0, 0, 0)),
              Clock.systemUTC());
      while (c.state() != KubernetesController.State.LEADING) {
        Thread.sleep(20);
      }
      KubernetesStore direct = KubernetesStore.direct(api.client("coldbrew-cli"));
      Admission admission = new Admission(direct, ctx);
      int before = api.requests().size();
      long start = System.nanoTime();
      ExecutorService pool = Executors.newFixedThreadPool(8);
      for (int i = 0; i < n; i++) {
        String yaml =
            """
            apiVersion: serving.knative.dev/v1
            kind: Service
            metadata: {name: svc-%d, namespace: default}
            spec:
              template:
                metadata:
                  annotations: {%s}
                spec:
                  containers: [{image: ghcr.io/knative/helloworld-go:latest}]
            """
                .formatted(i, annotations);
        pool.execute(() -> admission.apply(ResourceCodec.decodeOne(yaml)));
      }
      pool.shutdown();
      while (ready(c) < n) {
        Thread.sleep(100);
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      Thread.sleep(3000); // late status writes land before counting
      List<MockApiServer.Request> calls =
          api.requests().subList(before, api.requests().size()).stream()
              .filter(r -> AGENT.equals(r.userAgent()))
              .toList();
      Map<String, Integer> byCall = new TreeMap<>();
      for (MockApiServer.Request r : calls) {
        byCall.merge(RbacCoverageTest.ApiCall.of(r.method(), r.path()).toString(), 1, Integer::sum);
      }
      System.out.printf(
          "%d services (%s) Ready with a URL in %.1f s: %.1f services/s; %d controller API calls,"
              + " %.1f per service:%n",
          n,
          pods ? "one pod each" : "at zero",
          seconds,
          n / seconds,
          calls.size(),
          calls.size() / (double) n);
      byCall.forEach((k, v) -> System.out.printf("  %-60s %6.2f%n", k, v / (double) n));
      long with = liveHeap();
      c.close();
      long without = liveHeap();
      System.out.printf(
          "live heap: %.1f MB with the controller, %.1f MB after closing it: controller ≈ %.1f MB"
              + " (%.1f KB per service)%n",
          with / 1e6, without / 1e6, (with - without) / 1e6, (with - without) / 1e3 / n);
      direct.close();
      if (cluster != null) {
        cluster.close();
      }
    }
    System.exit(0);
  }

  private static int ready(KubernetesController c) {
    int n = 0;
    for (Resource r : c.store().list(Kind.ROUTE, null).items()) {
      Route route = (Route) r;
      if (route.status != null && route.status.url != null && route.status.isTrue("Ready")) {
        n++;
      }
    }
    return n;
  }

  private static long liveHeap() throws InterruptedException {
    Runtime rt = Runtime.getRuntime();
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(300);
    }
    return rt.totalMemory() - rt.freeMemory();
  }
}
