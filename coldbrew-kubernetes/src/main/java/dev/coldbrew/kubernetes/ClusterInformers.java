package dev.coldbrew.kubernetes;

import dev.coldbrew.controller.Labels;
import dev.coldbrew.store.StoreException;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster objects the Kubernetes engine reads besides Coldbrew's own kinds, each through an
 * informer (Knative's listers): the Revisions' Deployments and pods (label {@code
 * serving.knative.dev/revisionUID}), their public and private Services and EndpointSlices (label
 * {@code networking.internal.knative.dev/serviceType}: ours carry it, and the cluster's
 * EndpointSlice controller copies it from the private Service onto the slices it writes), and the
 * activator's EndpointSlices ({@code kubernetes.io/service-name=<activator Service>} in the system
 * namespace).
 *
 * <p>Every change is reported to the {@link Listener} as the Revision it concerns (the {@code
 * serving.knative.dev/revision} or {@code networking.internal.knative.dev/serverlessservice}
 * label), or as an activator change. Reads return the informers' shared objects: never change them.
 * Thread-safe; fabric8 calls the listener from one thread per informer, so it must be quick.
 */
final class ClusterInformers implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ClusterInformers.class);
  private static final String BY_SERVICE = "by-service-name";
  private static final String BY_REVISION = "by-revision";

  /** Told of changes; called on informer threads, must not block. */
  interface Listener {
    /** Something of the Revision {@code namespace/revision} changed. */
    void changed(String namespace, String revision);

    /** The activator's endpoints changed. */
    void activatorsChanged();
  }

  private final KubernetesClient client;
  private final String systemNamespace;
  private final String activatorService;
  private final SharedIndexInformer<Deployment> deployments;
  private final SharedIndexInformer<Service> services;
  private final SharedIndexInformer<EndpointSlice> slices;
  private final SharedIndexInformer<Endpoints> endpoints;
  private final SharedIndexInformer<EndpointSlice> activators;
  private final SharedIndexInformer<Pod> pods;
  private final Map<String, SharedIndexInformer<?>> all = new LinkedHashMap<>();

  ClusterInformers(
      KubernetesClient client, String systemNamespace, String activatorService, Listener listener) {
    this.client = client;
    this.systemNamespace = systemNamespace;
    this.activatorService = activatorService;
    deployments =
        client
            .apps()
            .deployments()
            .inAnyNamespace()
            .withLabel(Labels.REVISION_UID)
            .runnableInformer(0);
    services =
        client.services().inAnyNamespace().withLabel(Labels.SERVICE_TYPE).runnableInformer(0);
    slices =
        client
            .discovery()
            .v1()
            .endpointSlices()
            .inAnyNamespace()
            .withLabel(Labels.SERVICE_TYPE)
            .runnableInformer(0);
    endpoints =
        client.endpoints().inAnyNamespace().withLabel(Labels.SERVICE_TYPE).runnableInformer(0);
    activators =
        client
            .discovery()
            .v1()
            .endpointSlices()
            .inNamespace(systemNamespace)
            .withLabel(PublicEndpointSlices.SERVICE_NAME_LABEL, activatorService)
            .runnableInformer(0);
    pods = client.pods().inAnyNamespace().withLabel(Labels.REVISION_UID).runnableInformer(0);
    slices.addIndexers(
        Map.of(BY_SERVICE, s -> List.of(namespaced(s, PublicEndpointSlices.SERVICE_NAME_LABEL))));
    pods.addIndexers(Map.of(BY_REVISION, p -> List.of(namespaced(p, Labels.REVISION))));

    Consumer<HasMetadata> byRevision =
        o -> {
          String rev = label(o, Labels.REVISION);
          if (rev != null) {
            listener.changed(o.getMetadata().getNamespace(), rev);
          }
        };
    Consumer<HasMetadata> bySks =
        o -> {
          String rev = label(o, Labels.SKS);
          if (rev != null) {
            listener.changed(o.getMetadata().getNamespace(), rev);
          }
        };
    add("deployments", deployments, byRevision);
    add("services", services, bySks);
    add("endpointslices", slices, bySks);
    add("endpoints", endpoints, bySks);
    add("activator endpointslices", activators, o -> listener.activatorsChanged());
    add("pods", pods, byRevision);
  }

  private <T extends HasMetadata> void add(
      String name, SharedIndexInformer<T> informer, Consumer<HasMetadata> onChange) {
    informer.exceptionHandler(
        (started, t) -> {
          LOG.warn("watching {} failed; retrying with backoff: {}", name, t.toString());
          return true;
        });
    informer.addEventHandler(
        new ResourceEventHandler<T>() {
          @Override
          public void onAdd(T obj) {
            if (relevant(obj)) {
              onChange.accept(obj);
            }
          }

          @Override
          public void onUpdate(T oldObj, T newObj) {
            if (relevant(newObj)
                && !Objects.equals(
                    oldObj.getMetadata().getResourceVersion(),
                    newObj.getMetadata().getResourceVersion())) {
              onChange.accept(newObj);
            }
          }

          @Override
          public void onDelete(T obj, boolean finalStateUnknown) {
            if (relevant(obj)) {
              onChange.accept(obj);
            }
          }
        });
    all.put(name, informer);
  }

  /**
   * fabric8's mock serves our {@code services.serving.coldbrew.dev} on the core Services' watch too
   * (it matches version and plural, not group); a real API server never does.
   */
  private static boolean relevant(HasMetadata o) {
    return !(o instanceof Service) || "v1".equals(o.getApiVersion());
  }

  /**
   * Starts every informer and waits until each has listed.
   *
   * @throws StoreException UNAVAILABLE when they did not within {@code timeout}
   */
  void start(Duration timeout) {
    all.values().forEach(SharedIndexInformer::start);
    long deadline = System.nanoTime() + timeout.toNanos();
    List<String> late = new ArrayList<>();
    for (Map.Entry<String, SharedIndexInformer<?>> e : all.entrySet()) {
      try {
        long left = Math.max(0, deadline - System.nanoTime());
        e.getValue().start().toCompletableFuture().get(left, TimeUnit.NANOSECONDS);
      } catch (InterruptedException ex) {
        Thread.currentThread().interrupt();
        throw new StoreException(StoreException.Reason.UNAVAILABLE, "interrupted", ex);
      } catch (Exception ex) {
        late.add(e.getKey());
      }
    }
    if (!late.isEmpty()) {
      close();
      throw new StoreException(
          StoreException.Reason.UNAVAILABLE,
          "the Kubernetes API server at "
              + client.getMasterUrl()
              + " did not list "
              + String.join(", ", late)
              + " within "
              + timeout.toSeconds()
              + " s");
    }
  }

  /** The informers that are not watching now (empty when all are). */
  List<String> notWatching() {
    List<String> out = new ArrayList<>();
    all.forEach(
        (name, i) -> {
          if (!i.isWatching()) {
            out.add(name);
          }
        });
    return out;
  }

  Deployment deployment(String namespace, String name) {
    return deployments.getIndexer().getByKey(namespace + "/" + name);
  }

  Service service(String namespace, String name) {
    Service s = services.getIndexer().getByKey(namespace + "/" + name);
    return s != null && relevant(s) ? s : null;
  }

  /** The v1 Endpoints {@code namespace/name} if it carries the serviceType label, else null. */
  Endpoints endpoints(String namespace, String name) {
    Endpoints e = endpoints.getIndexer().getByKey(namespace + "/" + name);
    return e != null && relevant(e) ? e : null;
  }

  /** The slices of the Service {@code namespace/service} that carry the serviceType label. */
  List<EndpointSlice> slices(String namespace, String service) {
    return slices.getIndexer().byIndex(BY_SERVICE, namespace + "/" + service);
  }

  /**
   * The slices of the Service {@code namespace/service} that the ServerlessService wrote ({@code
   * endpointslice.kubernetes.io/managed-by: sks.coldbrew.dev}): a Revision's public endpoints.
   */
  List<EndpointSlice> sksSlices(String namespace, String service) {
    List<EndpointSlice> out = new ArrayList<>();
    for (EndpointSlice s : slices(namespace, service)) {
      if (PublicEndpointSlices.MANAGED_BY.equals(
          s.getMetadata().getLabels().get(PublicEndpointSlices.MANAGED_BY_LABEL))) {
        out.add(s);
      }
    }
    return out;
  }

  /** The activator's slices. */
  List<EndpointSlice> activatorSlices() {
    return activators.getIndexer().list();
  }

  /** The pods of the Revision {@code namespace/revision}. */
  List<Pod> pods(String namespace, String revision) {
    return pods.getIndexer().byIndex(BY_REVISION, namespace + "/" + revision);
  }

  /** Where the activator's endpoints come from, for messages. */
  String activatorSource() {
    return systemNamespace + "/" + activatorService;
  }

  private static String label(HasMetadata o, String key) {
    Map<String, String> labels = o.getMetadata().getLabels();
    return labels == null ? null : labels.get(key);
  }

  private static String namespaced(HasMetadata o, String label) {
    String v = label(o, label);
    return o.getMetadata().getNamespace() + "/" + (v == null ? "" : v);
  }

  @Override
  public void close() {
    all.values().forEach(SharedIndexInformer::stop);
  }
}
