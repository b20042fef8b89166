package dev.coldbrew.kubernetes;

import dev.coldbrew.api.model.NamespacedName;
import dev.coldbrew.api.model.Revision;
import dev.coldbrew.api.runtime.ContainerHealth;
import dev.coldbrew.api.runtime.Instance;
import dev.coldbrew.api.runtime.InstanceListener;
import dev.coldbrew.api.runtime.InstanceRuntime;
import dev.coldbrew.api.runtime.RevisionInstances;
import dev.coldbrew.controller.Names;
import dev.coldbrew.controller.WorkQueue;
import dev.coldbrew.store.StoreException;
import dev.coldbrew.store.StoreException.Reason;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link InstanceRuntime} on a Kubernetes cluster: a Revision's instances are the pods of its
 * Deployment ({@link RevisionDeployment}), and the ready ones are the ready endpoints of its
 * private Service's EndpointSlices, as the cluster's EndpointSlice controller writes them.
 *
 * <p>{@link #scale} records the count and returns; a worker thread of its own then makes the
 * Deployment exist (created with that many replicas, controlled by the Revision) and sets its
 * replicas through the {@code /scale} subresource with a JSON merge patch, as Knative's KPA does. A
 * failed request is retried with a per-Revision backoff (5 ms doubling to 30 s), so nothing is lost
 * while the API server is away. The worker also puts back what someone changed by hand: a
 * Deployment whose replicas or pod template no longer match is corrected when its watch event
 * arrives.
 *
 * <p><b>Scale to zero waits for the activator.</b> A Deployment with pods is scaled to 0 only once
 * the Revision's public EndpointSlices list the activator and nothing else — Knative's check that
 * the activator is in the path before the last pod goes. Until then the count stays and the
 * Revision waits; the ServerlessService reconciler writes that flip when the PodAutoscaler puts the
 * SKS in Proxy mode, and the slice's watch event brings the worker back.
 *
 * <p>{@link #remove} only forgets the Revision: the cluster's garbage collector deletes the
 * Deployment with its owner. Every change of a Revision's Deployment, pods, Services or slices is
 * told to the listeners (from the informers' threads), and an activator change to every Revision
 * this runtime scales. Thread-safe.
 */
public final class KubernetesRuntime implements InstanceRuntime {
  private static final Logger LOG = LoggerFactory.getLogger(KubernetesRuntime.class);

  /** How long one {@code /scale} request may take. */
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

  /** Container waiting reasons that mean the container cannot run (Knative's list). */
  private static final Set<String> FAILING_WAITING_REASONS =
      Set.of(
          "ImagePullBackOff",
          "ErrImagePull",
          "InvalidImageName",
          "CreateContainerConfigError",
          "CreateContainerError",
          "RunContainerError",
          "CrashLoopBackOff");

  /** What a Revision should have. */
  private record Want(Revision revision, int count) {}

  private final KubernetesClient client;
  private final ClusterInformers informers;
  private final RevisionDeployment.Options options;
  private final ApiServerHealth health;
  private final Map<NamespacedName, Want> desired = new ConcurrentHashMap<>();
  private final List<InstanceListener> listeners = new CopyOnWriteArrayList<>();
  private final Set<NamespacedName> waitingForActivator = ConcurrentHashMap.newKeySet();
  private final Set<String> templateGaveUp = ConcurrentHashMap.newKeySet();
  private final ScheduledExecutorService timer;
  private final WorkQueue<NamespacedName> queue;
  private final Thread worker;

  KubernetesRuntime(
      KubernetesClient client,
      ClusterInformers informers,
      RevisionDeployment.Options options,
      ApiServerHealth health) {
    this.client = client;
    this.informers = informers;
    this.options = options;
    this.health = health;
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "coldbrew-k8s-runtime-timer");
              t.setDaemon(true);
              return t;
            });
    this.queue = new WorkQueue<>(timer, Duration.ofMillis(5), Duration.ofSeconds(30));
    this.worker = new Thread(this::work, "coldbrew-k8s-runtime");
    worker.setDaemon(true);
    worker.start();
  }

  // ------------------------------------------------------------------ InstanceRuntime

  @Override
  public void scale(Revision revision, int count) {
    if (count < 0) {
      throw new IllegalArgumentException("count: " + count + " (expected: >= 0)");
    }
    NamespacedName key = NamespacedName.of(revision);
    desired.put(key, new Want(revision, count));
    queue.add(key);
  }

  @Override
  public void remove(NamespacedName revision) {
    desired.remove(revision);
    waitingForActivator.remove(revision);
  }

  @Override
  public RevisionInstances instances(NamespacedName revision) {
    String privateService = Names.child(revision.name(), "-private");
    Map<String, Endpoint> all = new LinkedHashMap<>();
    List<Instance> ready = new ArrayList<>();
    for (EndpointSlice s : informers.slices(revision.namespace(), privateService)) {
      if (s.getEndpoints() == null) {
        continue;
      }
      int port = servingPort(s);
      for (Endpoint e : s.getEndpoints()) {
        if (e.getAddresses() == null || e.getAddresses().isEmpty()) {
          continue;
        }
        String ip = e.getAddresses().get(0);
        if (all.putIfAbsent(ip, e) == null && PublicEndpointSlices.isReady(e)) {
          String id = e.getTargetRef() != null ? e.getTargetRef().getName() : ip;
          ready.add(new Instance(id, ip, port));
        }
      }
    }
    ready.sort(Comparator.comparing(Instance::id));
    return new RevisionInstances(revision, ready, all.size(), health(revision));
  }

  @Override
  public void subscribe(InstanceListener listener) {
    listeners.add(listener);
  }

  @Override
  public void close() {
    queue.shutdown();
    worker.interrupt();
    try {
      worker.join(5000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    timer.shutdownNow();
  }

  /** The Revisions this runtime keeps at one instance or more. */
  List<NamespacedName> scaledUp() {
    List<NamespacedName> out = new ArrayList<>();
    desired.forEach(
        (k, w) -> {
          if (w.count() > 0) {
            out.add(k);
          }
        });
    return out;
  }

  // ------------------------------------------------------------------ informer events

  /** Something of the Revision changed on the cluster (from an informer thread). */
  void changed(NamespacedName revision) {
    if (desired.containsKey(revision)) {
      queue.add(revision);
    }
    notifyListeners(revision);
  }

  /** The activator's endpoints changed: every Revision's public endpoints may have to follow. */
  void activatorsChanged() {
    for (NamespacedName k : new ArrayList<>(desired.keySet())) {
      notifyListeners(k);
    }
  }

  private void notifyListeners(NamespacedName revision) {
    if (listeners.isEmpty()) {
      return;
    }
    RevisionInstances now = instances(revision);
    for (InstanceListener l : listeners) {
      try {
        l.onChange(now);
      } catch (RuntimeException e) {
        LOG.warn("instance listener failed for {}", revision, e);
      }
    }
  }

  // ------------------------------------------------------------------ the worker

  private void work() {
    while (true) {
      NamespacedName key;
      try {
        key = queue.take();
      } catch (InterruptedException e) {
        return;
      }
      if (key == null) {
        return;
      }
      try {
        sync(key);
        queue.forget(key);
      } catch (StoreException e) {
        if (e.reason() == Reason.UNAVAILABLE) {
          LOG.warn("{}: {}; retrying with backoff", key, e.getMessage());
        } else {
          LOG.debug("{}: {}; retrying", key, e.getMessage());
        }
        queue.addRateLimited(key);
      } catch (RuntimeException e) {
        LOG.error("{}: scaling failed; retrying with backoff", key, e);
        queue.addRateLimited(key);
      } finally {
        queue.done(key);
      }
    }
  }

  /** Makes the Revision's Deployment match what was asked of it. */
  private void sync(NamespacedName key) {
    Want want = desired.get(key);
    if (want == null) {
      return;
    }
    Revision rev = want.revision();
    Deployment rendered = RevisionDeployment.render(rev, options);
    String name = rendered.getMetadata().getName();
    Deployment have = informers.deployment(key.namespace(), name);
    if (have == null) {
      rendered.getSpec().setReplicas(want.count());
      create(key, rendered);
      return;
    }
    if (!RevisionDeployment.controlledBy(have, rev.metadata.uid)) {
      throw new StoreException(
          Reason.CONFLICT,
          "Deployment "
              + key.namespace()
              + "/"
              + name
              + " exists but is not controlled by Revision "
              + key
              + ": Coldbrew leaves it alone");
    }
    repairTemplate(key, have, rendered);
    int replicas = have.getSpec().getReplicas() == null ? 1 : have.getSpec().getReplicas();
    if (replicas == want.count()) {
      waitingForActivator.remove(key);
      return;
    }
    if (want.count() == 0 && replicas > 0 && !activatorInPath(key)) {
      if (waitingForActivator.add(key)) {
        LOG.info(
            "{}: scaling to zero waits until its public endpoints are the activator's ({})",
            key,
            informers.activatorSource());
      }
      return; // the public slices' watch event brings the key back
    }
    waitingForActivator.remove(key);
    patchScale(key.namespace(), name, want.count());
  }

  /** True when the Revision's public slices list the activator and nothing else. */
  boolean activatorInPath(NamespacedName revision) {
    Set<String> activators = readyAddresses(informers.activatorSlices());
    Set<String> published =
        readyAddresses(informers.sksSlices(revision.namespace(), revision.name()));
    return !published.isEmpty() && activators.containsAll(published);
  }

  private void create(NamespacedName key, Deployment d) {
    ApiCalls.run(
        health,
        "creating Deployment " + key.namespace() + "/" + d.getMetadata().getName(),
        () -> client.apps().deployments().inNamespace(key.namespace()).resource(d).create());
  }

  /** Puts the rendered pod template back when someone changed it (once per generation seen). */
  private void repairTemplate(NamespacedName key, Deployment have, Deployment rendered) {
    if (Drift.holds(have.getSpec().getTemplate(), rendered.getSpec().getTemplate())) {
      return;
    }
    String attempt = key + "@" + have.getMetadata().getGeneration();
    if (!templateGaveUp.add(attempt)) {
      return;
    }
    LOG.info("{}: the pod template of its Deployment was changed; putting it back", key);
    Deployment fixed = new io.fabric8.kubernetes.api.model.apps.DeploymentBuilder(have).build();
    fixed.getSpec().setTemplate(rendered.getSpec().getTemplate());
    try {
      Deployment updated =
          ApiCalls.run(
              health,
              "updating Deployment " + key.namespace() + "/" + have.getMetadata().getName(),
              () ->
                  client
                      .apps()
                      .deployments()
                      .inNamespace(key.namespace())
                      .resource(fixed)
                      .update());
      if (Drift.holds(updated.getSpec().getTemplate(), rendered.getSpec().getTemplate())) {
        templateGaveUp.remove(attempt);
      } else {
        LOG.warn(
            "{}: the API server changes the rendered pod template on write; not repairing it again"
                + " at generation {}",
            key,
            updated.getMetadata().getGeneration());
      }
    } catch (StoreException e) {
      templateGaveUp.remove(attempt);
      throw e;
    }
  }

  /** {@code PATCH …/deployments/{name}/scale} with {@code {"spec":{"replicas":n}}}. */
  private void patchScale(String namespace, String name, int replicas) {
    String what = "scaling Deployment " + namespace + "/" + name + " to " + replicas;
    String url =
        client.getMasterUrl().toString().replaceAll("/+$", "")
            + "/apis/apps/v1/namespaces/"
            + namespace
            + "/deployments/"
            + name
            + "/scale";
    HttpRequest request =
        client
            .getHttpClient()
            .newHttpRequestBuilder()
            .uri(url)
            .timeout(REQUEST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
            .method(
                "PATCH",
                "application/merge-patch+json",
                "{\"spec\":{\"replicas\":" + replicas + "}}")
            .build();
    HttpResponse<String> response;
    try {
      response =
          client
              .getHttpClient()
              .sendAsync(request, String.class)
              .get(REQUEST_TIMEOUT.toMillis() + 1000, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreException(Reason.UNAVAILABLE, what + ": interrupted", e);
    } catch (ExecutionException | TimeoutException e) {
      Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
      throw ApiCalls.failure(
          health,
          0,
          what
              + ": the Kubernetes API server at "
              + client.getMasterUrl()
              + " is unavailable: "
              + cause,
          false,
          cause);
    }
    int code = response.code();
    if (code >= 200 && code < 300) {
      health.answered();
      LOG.debug("{}", what);
      return;
    }
    String body = response.body() == null ? "" : response.body();
    throw ApiCalls.failure(
        health,
        code,
        what + ": HTTP " + code + " " + (body.length() > 300 ? body.substring(0, 300) : body),
        false,
        null);
  }

  // ------------------------------------------------------------------ reading the cluster

  private static Set<String> readyAddresses(List<EndpointSlice> slices) {
    Set<String> out = new HashSet<>();
    for (Endpoint e : PublicEndpointSlices.ready(slices)) {
      out.add(e.getAddresses().get(0));
    }
    return out;
  }

  /** The queue's serving port as the slice lists it ({@code http} or {@code http2}). */
  private static int servingPort(EndpointSlice s) {
    if (s.getPorts() != null) {
      for (EndpointPort p : s.getPorts()) {
        if (("http".equals(p.getName()) || "http2".equals(p.getName())) && p.getPort() != null) {
          return p.getPort();
        }
      }
    }
    return RevisionDeployment.QUEUE_HTTP_PORT;
  }

  /**
   * Whether the Revision's user containers keep running, from its pods' container statuses as
   * Knative reads them: the last termination's exit code, or a waiting reason that means the
   * container cannot start (image pull, configuration, crash loop).
   */
  private ContainerHealth health(NamespacedName revision) {
    for (Pod p : informers.pods(revision.namespace(), revision.name())) {
      if (p.getStatus() == null || p.getStatus().getContainerStatuses() == null) {
        continue;
      }
      for (ContainerStatus c : p.getStatus().getContainerStatuses()) {
        if (RevisionDeployment.QUEUE_CONTAINER.equals(c.getName())) {
          continue;
        }
        var last = c.getLastState() == null ? null : c.getLastState().getTerminated();
        if (last != null && last.getExitCode() != null && last.getExitCode() != 0) {
          return ContainerHealth.failing(
              "ExitCode" + last.getExitCode(),
              "Container failed with: " + (last.getMessage() == null ? "" : last.getMessage()));
        }
        var waiting = c.getState() == null ? null : c.getState().getWaiting();
        if (waiting != null && FAILING_WAITING_REASONS.contains(waiting.getReason())) {
          return ContainerHealth.failing(
              waiting.getReason(), waiting.getMessage() == null ? "" : waiting.getMessage());
        }
      }
    }
    return ContainerHealth.HEALTHY;
  }
}
