package dev.coldbrew.kubernetes;

import dev.coldbrew.api.model.NamespacedName;
import dev.coldbrew.api.model.ServerlessService;
import dev.coldbrew.api.runtime.RevisionInstances;
import dev.coldbrew.controller.Labels;
import dev.coldbrew.controller.SksEndpoints;
import dev.coldbrew.store.StoreException;
import dev.coldbrew.store.StoreException.Reason;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ServerlessService's side on a Kubernetes cluster, as Knative's SKS reconciler: makes the
 * Revision's private Service (selecting its pods) and public Service (no selector) exist, then
 * writes the public Service's EndpointSlices (and their v1 Endpoints copy) from the activator's
 * slices and the private Service's slices ({@link PublicEndpointSlices}: the activators in Proxy
 * mode, the ready pods in Serve mode; no ready pod forces Proxy, no ready activator forces Serve).
 * Slices are compared with what the cluster holds and written only when they differ — addresses
 * someone added or removed by hand are put back on the next reconcile, which the slice's watch
 * event triggers — and surplus slices of ours are deleted. An object of the same name not
 * controlled by the SKS is left alone and the SKS fails with a message saying so.
 *
 * <p>Reads come from the {@link ClusterInformers}; writes are POST, PUT (with the resourceVersion
 * read: 409 → CONFLICT, and the SKS is retried) and DELETE. Thread-safe: stateless but for the
 * client.
 */
public final class SksEndpointSlices implements SksEndpoints {
  private static final Logger LOG = LoggerFactory.getLogger(SksEndpointSlices.class);

  private final KubernetesClient client;
  private final ClusterInformers informers;
  private final ApiServerHealth health;

  SksEndpointSlices(KubernetesClient client, ClusterInformers informers, ApiServerHealth health) {
    this.client = client;
    this.informers = informers;
    this.health = health;
  }

  @Override
  public Published publish(ServerlessService sks, RevisionInstances instances) {
    String ns = sks.metadata.namespace;
    String uid = sks.metadata.label(Labels.REVISION_UID);
    if (uid == null || uid.isEmpty()) {
      throw new StoreException(
          Reason.INVALID,
          "ServerlessService "
              + sks.key()
              + " has no "
              + Labels.REVISION_UID
              + " label: cannot select its pods");
    }
    ensureService(sks, RevisionServices.privateService(sks, Map.of(Labels.REVISION_UID, uid)));
    ensureService(sks, RevisionServices.publicService(sks));

    PublicEndpointSlices.Result result =
        PublicEndpointSlices.render(
            sks,
            informers.activatorSlices(),
            informers.slices(ns, RevisionServices.privateName(sks)));
    var sliceApi = client.discovery().v1().endpointSlices().inNamespace(ns);
    Map<String, EndpointSlice> have = new HashMap<>();
    for (EndpointSlice s : informers.sksSlices(ns, sks.metadata.name)) {
      have.put(s.getMetadata().getName(), s);
    }
    for (EndpointSlice want : result.slices()) {
      ensure(
          sks,
          have.remove(want.getMetadata().getName()),
          want,
          SksEndpointSlices::sameSlice,
          current -> replacing(current, want));
    }
    for (EndpointSlice surplus : have.values()) {
      if (RevisionDeployment.controlledBy(surplus, sks.metadata.uid)) {
        write(
            sks,
            () -> sliceApi.withName(surplus.getMetadata().getName()).delete(),
            "deleting",
            surplus);
      }
    }
    ensureEndpoints(sks, result.endpoints());
    return new Published(result.mode(), result.readyPods(), result.readyActivators());
  }

  /**
   * The v1 Endpoints copy of the public slices (labelled so that the mirroring controller leaves it
   * alone), for {@code kubectl get endpoints} and {@code coldbrew get endpoints}; written after the
   * slices, which are what routes traffic.
   */
  private void ensureEndpoints(ServerlessService sks, Endpoints want) {
    ensure(
        sks,
        informers.endpoints(sks.metadata.namespace, want.getMetadata().getName()),
        want,
        (have, w) ->
            Drift.tree(have.getSubsets() == null ? List.of() : have.getSubsets())
                    .equals(Drift.tree(w.getSubsets()))
                && hasLabelsOf(have, w),
        have -> replacing(have, want));
  }

  private void ensureService(ServerlessService sks, Service want) {
    ensure(
        sks,
        informers.service(sks.metadata.namespace, want.getMetadata().getName()),
        want,
        (have, w) ->
            hasLabelsOf(have, w)
                && Drift.holds(have.getSpec().getPorts(), w.getSpec().getPorts())
                && Objects.equals(selector(have), selector(w)),
        have -> {
          // keep what the cluster filled in (clusterIP, …) and labels others added
          Map<String, String> labels = new LinkedHashMap<>();
          if (have.getMetadata().getLabels() != null) {
            labels.putAll(have.getMetadata().getLabels());
          }
          labels.putAll(want.getMetadata().getLabels());
          return new ServiceBuilder(have)
              .editMetadata()
              .withLabels(labels)
              .endMetadata()
              .editSpec()
              .withPorts(want.getSpec().getPorts())
              .withSelector(want.getSpec().getSelector())
              .endSpec()
              .build();
        });
  }

  /**
   * Makes the object {@code want} names what it says: created when there is none ({@code have}
   * null), left alone when {@code same}, else replaced by {@code update} of {@code have}. One that
   * another owner controls is left alone and the SKS fails saying so.
   */
  private <T extends HasMetadata> void ensure(
      ServerlessService sks,
      T have,
      T want,
      java.util.function.BiPredicate<T, T> same,
      java.util.function.UnaryOperator<T> update) {
    if (have == null) {
      write(sks, () -> client.resource(want).create(), "creating", want);
    } else if (!RevisionDeployment.controlledBy(have, sks.metadata.uid)) {
      throw notOwned(sks, have);
    } else if (!same.test(have, want)) {
      T changed = update.apply(have);
      write(sks, () -> client.resource(changed).update(), "updating", want);
    }
  }

  /** {@code want}, freshly rendered, with {@code have}'s identity so that it replaces it. */
  private static <T extends HasMetadata> T replacing(T have, T want) {
    want.getMetadata().setResourceVersion(have.getMetadata().getResourceVersion());
    want.getMetadata().setUid(have.getMetadata().getUid());
    return want;
  }

  private static Map<String, String> selector(Service s) {
    Map<String, String> sel = s.getSpec() == null ? null : s.getSpec().getSelector();
    return sel == null || sel.isEmpty() ? Map.of() : sel;
  }

  private static boolean sameSlice(EndpointSlice have, EndpointSlice want) {
    return Objects.equals(have.getAddressType(), want.getAddressType())
        && Drift.tree(have.getEndpoints() == null ? List.of() : have.getEndpoints())
            .equals(Drift.tree(want.getEndpoints()))
        && Drift.holds(have.getPorts(), want.getPorts())
        && hasLabelsOf(have, want);
  }

  /** Whether {@code have} carries every label of {@code want} (others may have added more). */
  private static boolean hasLabelsOf(HasMetadata have, HasMetadata want) {
    Map<String, String> labels = have.getMetadata().getLabels();
    return labels != null
        && labels.entrySet().containsAll(want.getMetadata().getLabels().entrySet());
  }

  private static StoreException notOwned(ServerlessService sks, HasMetadata o) {
    return new StoreException(
        Reason.CONFLICT,
        o.getKind()
            + " "
            + o.getMetadata().getNamespace()
            + "/"
            + o.getMetadata().getName()
            + " exists but is not controlled by ServerlessService "
            + sks.key()
            + ": Coldbrew leaves it alone (delete it to let Coldbrew create its own)");
  }

  private void write(ServerlessService sks, Runnable call, String verb, HasMetadata o) {
    String what =
        verb
            + " "
            + o.getKind()
            + " "
            + o.getMetadata().getNamespace()
            + "/"
            + o.getMetadata().getName();
    ApiCalls.run(
        health,
        what,
        () -> {
          call.run();
          return null;
        });
    LOG.debug("{} for {}", what, NamespacedName.of(sks));
  }
}
