package dev.coldbrew.kubernetes;

import dev.coldbrew.api.autoscaling.AutoscalerConfig;
import dev.coldbrew.api.codec.ResourceCodec;
import dev.coldbrew.api.model.Kind;
import dev.coldbrew.api.model.Resource;
import dev.coldbrew.api.model.Route;
import dev.coldbrew.api.validation.ValidationContext;
import dev.coldbrew.store.admission.Admission;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Not a test: {@code coldbrew controller} ({@link KubernetesController}, leader election on) in a
 * JVM of its own ({@code -Xmx3g}), connected through a kubeconfig to fabric8's mock API server in
 * this JVM. Usage: {@code KubernetesControllerBenchmark <services> <pods|zero>}. With {@code pods},
 * {@link FakeCluster} runs one pod per Revision that turns ready; with {@code zero}, Revisions
 * start at zero instances (initial-scale 0), so no pods exist and the cluster harness is not
 * needed. Reports: Services applied (8 at a time, through the same admission as {@code coldbrew
 * apply --engine kubernetes}) per second until every Route is Ready with a URL; the controller's
 * API calls per Service, by call; and the controller JVM's live heap after a full GC, before the
 * Services and once they are all Ready.
 */
public final class KubernetesControllerBenchmark {
  /** The User-Agents of everything but the controller. */
  private static final Set<String> NOT_CONTROLLER =
      Set.of(MockApiServer.ADMIN_AGENT, FakeCluster.AGENT, "coldbrew-cli", "bench-reader");

  private KubernetesControllerBenchmark() {}

  public static void main(String[] args) throws Exception {
    if (args[0].equals("child")) {
      child(Path.of(args[1]));
      return;
    }
    int n = Integer.parseInt(args[0]);
    boolean pods = args[1].equals("pods");
    ValidationContext ctx = config();
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
      Path kubeconfig = Files.createTempFile("bench-kubeconfig", ".yaml");
      kubeconfig.toFile().deleteOnExit();
      Files.writeString(kubeconfig, api.kubeconfig());
      Process child =
          new ProcessBuilder(
                  Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                  "-Xmx3g",
                  "-cp",
                  System.getProperty("java.class.path"),
                  KubernetesControllerBenchmark.class.getName(),
                  "child",
                  kubeconfig.toString())
              .redirectError(ProcessBuilder.Redirect.DISCARD)
              .start();
      BufferedReader fromChild =
          new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
      PrintWriter toChild =
          new PrintWriter(
              new OutputStreamWriter(child.getOutputStream(), StandardCharsets.UTF_8), true);
      String line;
      while ((line = fromChild.readLine()) != null && !line.equals("leading")) {
        System.out.println("controller: " + line);
      }
      toChild.println("heap");
      long idle = Long.parseLong(fromChild.readLine());
      KubernetesStore reader = KubernetesStore.open(api.client("bench-reader"));
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
      while (readyRoutes(reader) < n) {
        Thread.sleep(100);
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      Thread.sleep(3000); // late status writes land before counting
      List<MockApiServer.Request> calls =
          api.requests().subList(before, api.requests().size()).stream()
              .filter(r -> !NOT_CONTROLLER.contains(String.valueOf(r.userAgent())))
              .toList();
      System.out.printf(
          "%d services (%s) Ready with a URL in %.1f s: %.1f services/s; %d controller API calls,"
              + " %.1f per service:%n",
          n,
          pods ? "one pod each" : "at zero",
          seconds,
          n / seconds,
          calls.size(),
          calls.size() / (double) n);
      printPerService(calls, n);
      toChild.println("heap");
      long loaded = Long.parseLong(fromChild.readLine());
      System.out.printf(
          "controller JVM live heap: %.1f MB before, %.1f MB with the %d services: %.1f KB per"
              + " service%n",
          idle / 1e6, loaded / 1e6, n, (loaded - idle) / 1e3 / n);
      toChild.println("quit");
      child.waitFor();
      reader.close();
      direct.close();
      if (cluster != null) {
        cluster.close();
      }
    }
    System.exit(0);
  }

  /** The platform config of both JVMs: Revisions may start at zero instances. */
  private static ValidationContext config() {
    return new ValidationContext(
        ValidationContext.standard().defaults(),
        ValidationContext.standard().deployment(),
        ValidationContext.standard().domain(),
        AutoscalerConfig.fromMap("autoscaler", Map.of("allow-zero-initial-scale", "true"), 0),
        false);
  }

  /**
   * Prints {@code calls} by API call, per one of {@code n} Services (also
   * KubernetesStoreBenchmark).
   */
  static void printPerService(List<MockApiServer.Request> calls, int n) {
    Map<String, Integer> byCall = new TreeMap<>();
    for (MockApiServer.Request r : calls) {
      byCall.merge(RbacCoverageTest.ApiCall.of(r.method(), r.path()).toString(), 1, Integer::sum);
    }
    byCall.forEach((k, v) -> System.out.printf("  %-60s %6.2f%n", k, v / (double) n));
  }

  /** How many Routes are Ready with a URL (also KubernetesStoreBenchmark). */
  static int readyRoutes(KubernetesStore store) {
    int n = 0;
    for (Resource r : store.list(Kind.ROUTE, null).items()) {
      Route route = (Route) r;
      if (route.status != null && route.status.url != null && route.status.isTrue("Ready")) {
        n++;
      }
    }
    return n;
  }

  /** The controller's JVM: runs it, then answers "heap" with its live heap until "quit". */
  private static void child(Path kubeconfig) throws Exception {
    ValidationContext ctx = config();
    KubernetesClient client = ClusterConnection.fromKubeconfig(kubeconfig, "kubeconfig");
    KubernetesController c =
        KubernetesController.start(
            client,
            KubernetesController.Options.defaults(
                    "ghcr.io/coldbrew/coldbrew:bench", ctx, "bench", null)
                .withDomain("example.com", 80),
            ip -> CompletableFuture.completedFuture(new QueueStats(0, 0, 0, 0)),
            Clock.systemUTC());
    while (c.state() != KubernetesController.State.LEADING) {
      Thread.sleep(20);
    }
    System.out.println("leading");
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null && !line.equals("quit")) {
      System.out.println(liveHeap());
    }
    c.close();
    client.close();
    System.exit(0);
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
