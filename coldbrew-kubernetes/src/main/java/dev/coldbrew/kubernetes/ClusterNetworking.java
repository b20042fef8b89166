package dev.coldbrew.kubernetes;

import dev.coldbrew.api.model.NamespacedName;
import dev.coldbrew.api.model.Revision;
import dev.coldbrew.api.model.SksMode;
import dev.coldbrew.controller.Networking;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * {@link Networking} on a cluster, where there is no in-process data plane to tell: the gateway and
 * the activator run as their own processes (the next part) and read Routes, Revisions, SKSs and the
 * public EndpointSlices from the API server themselves, so routing changes, revision settings and
 * failures have nothing to do here, and the mode is what the SKS's slices say ({@link
 * SksEndpointSlices}). The activator's addresses are the ready ones of its Service's slices (or,
 * for benchmarks without a cluster, whatever the supplier given says). Thread-safe and non-blocking
 * (reads an informer).
 */
final class ClusterNetworking implements Networking {
  private final Supplier<List<String>> activatorEndpoints;

  ClusterNetworking(ClusterInformers informers) {
    this(
        () -> {
          Set<String> out = new TreeSet<>();
          for (Endpoint e : PublicEndpointSlices.ready(informers.activatorSlices())) {
            out.add(e.getAddresses().get(0) + ":" + RevisionDeployment.QUEUE_HTTP_PORT);
          }
          return new ArrayList<>(out);
        });
  }

  /** Networking whose activator addresses are what {@code activatorEndpoints} returns. */
  ClusterNetworking(Supplier<List<String>> activatorEndpoints) {
    this.activatorEndpoints = activatorEndpoints;
  }

  @Override
  public void routesChanged(Map<String, List<Split>> set, Set<String> removed) {}

  @Override
  public void domainsChanged(Map<String, List<Split>> set, Set<String> removed) {}

  @Override
  public void revisionChanged(Revision revision) {}

  @Override
  public void revisionRemoved(NamespacedName revision) {}

  @Override
  public void modeChanged(NamespacedName revision, SksMode mode) {}

  @Override
  public void revisionFailed(NamespacedName revision, String reason, String message) {}

  @Override
  public void revisionHealthy(NamespacedName revision) {}

  @Override
  public List<String> activatorEndpoints() {
    return activatorEndpoints.get();
  }
}
