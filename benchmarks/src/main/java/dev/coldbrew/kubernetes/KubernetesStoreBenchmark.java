package dev.coldbrew.kubernetes;

import dev.coldbrew.api.codec.ResourceCodec;
import dev.coldbrew.api.model.Kind;
import dev.coldbrew.api.model.NamespacedName;
import dev.coldbrew.api.model.Revision;
import dev.coldbrew.api.runtime.ContainerHealth;
import dev.coldbrew.api.runtime.Instance;
import dev.coldbrew.api.runtime.InstanceListener;
import dev.coldbrew.api.runtime.InstanceRuntime;
import dev.coldbrew.api.runtime.RevisionInstances;
import dev.coldbrew.api.validation.ValidationContext;
import dev.coldbrew.controller.ControllerManager;
import dev.coldbrew.store.Fixtures;
import dev.coldbrew.store.admission.Admission;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;

/**
 * Measures the Kubernetes store on fabric8's mock API server (HTTPS on loopback, in this JVM;
 * {@code bench/run kubernetes-store} runs it). (1) Store creates per second, one at a time and with
 * 8 in flight. (2) API calls per Service creation when today's reconcilers run on the store, with a
 * runtime whose instances are ready at once, until every Service is Ready with a URL. Usage: {@code
 * KubernetesStoreBenchmark <creates> <services>}.
 */
public final class KubernetesStoreBenchmark {
  private static final String AGENT = "coldbrew-controller";

  private KubernetesStoreBenchmark() {}

  public static void main(String[] args) throws Exception {
    int creates = Integer.parseInt(args[0]);
    int services = Integer.parseInt(args[1]);
    for (int round = 1; round <= 2; round++) {
      System.out.println("round " + round);
      createRate(creates, 1);
      createRate(creates, 8);
    }
    callsPerService(services);
    System.exit(0);
  }

  private static void createRate(int n, int inFlight) throws Exception {
    try (MockApiServer api = MockApiServer.start();
        KubernetesStore store = KubernetesStore.open(api.client(AGENT))) {
      long start = System.nanoTime();
      Semaphore slots = new Semaphore(inFlight);
      List<CompletableFuture<?>> all = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        slots.acquire();
        all.add(
            store
                .createAsync(Fixtures.service("svc-" + i))
                .whenComplete((r, e) -> slots.release()));
      }
      CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
      double seconds = (System.nanoTime() - start) / 1e9;
      while (store.list(Kind.SERVICE, null).items().size() < n) {
        Thread.sleep(10);
      }
      double visible = (System.nanoTime() - start) / 1e9;
      System.out.printf(
          "  %d creates, %d in flight: %.0f creates/s (all visible to reads after %.2f s)%n",
          n, inFlight, n / seconds, visible);
    }
  }

  private static void callsPerService(int n) throws Exception {
    ValidationContext ctx = ValidationContext.standard().withLocalRuntime(false);
    try (MockApiServer api = MockApiServer.start();
        KubernetesStore store = KubernetesStore.open(api.client(AGENT));
        ReadyRuntime runtime = new ReadyRuntime()) {
      ControllerManager manager =
          new ControllerManager(
              store,
              runtime,
              new ClusterNetworking(() -> List.of("127.0.0.1:8012")),
              ctx,
              "localhost",
              8080,
              Clock.systemUTC());
      manager.start();
      Admission admission = new Admission(store, ctx);
      int before = api.requests().size();
      long start = System.nanoTime();
      for (int i = 0; i < n; i++) {
        admission.create(
            ResourceCodec.decodeOne(
                """
                    apiVersion: serving.knative.dev/v1
                    kind: Service
                    metadata: {name: svc-%d, namespace: default}
                    spec:
                      template:
                        spec:
                          containers: [{image: ghcr.io/knative/helloworld-go:latest}]
                    """
                    .formatted(i)));
      }
      while (KubernetesControllerBenchmark.readyRoutes(store) < n) {
        Thread.sleep(20);
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      Thread.sleep(2000); // let late status writes land before counting
      List<MockApiServer.Request> calls =
          api.requests().subList(before, api.requests().size()).stream()
              .filter(r -> AGENT.equals(r.userAgent()))
              .toList();
      System.out.printf(
          "%d services Ready with a URL in %.1f s (%.1f services/s); %d API calls, %.1f per"
              + " service:%n",
          n, seconds, n / seconds, calls.size(), calls.size() / (double) n);
      KubernetesControllerBenchmark.printPerService(calls, n);
      manager.close();
    }
  }

  /** Instances that are ready as soon as they are asked for, at no address that matters. */
  private static final class ReadyRuntime implements InstanceRuntime {
    private final Map<NamespacedName, RevisionInstances> state = new ConcurrentHashMap<>();
    private final List<InstanceListener> listeners = new CopyOnWriteArrayList<>();

    @Override
    public void scale(Revision revision, int count) {
      NamespacedName key = NamespacedName.of(revision);
      List<Instance> ready = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        ready.add(new Instance(key.name() + "-" + i, "127.0.0.1", 20000 + i));
      }
      RevisionInstances inst = new RevisionInstances(key, ready, count, ContainerHealth.HEALTHY);
      if (!inst.equals(state.put(key, inst))) {
        listeners.forEach(l -> l.onChange(inst));
      }
    }

    @Override
    public void remove(NamespacedName revision) {
      state.remove(revision);
    }

    @Override
    public RevisionInstances instances(NamespacedName revision) {
      return state.getOrDefault(revision, RevisionInstances.none(revision));
    }

    @Override
    public void subscribe(InstanceListener listener) {
      listeners.add(listener);
    }

    @Override
    public void close() {}
  }
}
