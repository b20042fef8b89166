package dev.coldbrew.server;

import dev.coldbrew.api.model.NamespacedName;
import dev.coldbrew.api.model.Revision;
import dev.coldbrew.api.model.SksMode;
import dev.coldbrew.controller.Labels;
import dev.coldbrew.controller.Networking;
import dev.coldbrew.dataplane.DataPlane;
import dev.coldbrew.dataplane.RevisionConfig;
import dev.coldbrew.dataplane.RoutingTable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The reconcilers' {@link Networking} over the in-process data plane. Thread-safe. */
final class GatewayNetworking implements Networking {
  private final DataPlane dataPlane;

  GatewayNetworking(DataPlane dataPlane) {
    this.dataPlane = dataPlane;
  }

  @Override
  public void routesChanged(Map<String, List<Split>> set, Set<String> removed) {
    dataPlane.updateRoutes(targets(set), removed);
  }

  @Override
  public void domainsChanged(Map<String, List<Split>> set, Set<String> removed) {
    dataPlane.updateDomains(targets(set), removed);
  }

  private static Map<String, List<RoutingTable.Target>> targets(Map<String, List<Split>> set) {
    Map<String, List<RoutingTable.Target>> routes = new HashMap<>();
    set.forEach(
        (host, splits) -> {
          List<RoutingTable.Target> targets = new ArrayList<>();
          splits.forEach(
              s -> targets.add(new RoutingTable.Target(s.revision(), (int) s.percent())));
          routes.put(host, targets);
        });
    return routes;
  }

  @Override
  public void revisionChanged(Revision rev) {
    var spec = rev.spec;
    dataPlane.updateRevision(
        new RevisionConfig(
            NamespacedName.of(rev),
            rev.metadata.label(Labels.SERVICE),
            rev.metadata.label(Labels.CONFIGURATION),
            spec.containerConcurrency == null ? 0 : spec.containerConcurrency.intValue(),
            spec.timeoutSeconds == null ? 0 : spec.timeoutSeconds.intValue(),
            spec.responseStartTimeoutSeconds == null
                ? null
                : spec.responseStartTimeoutSeconds.intValue(),
            spec.idleTimeoutSeconds == null ? null : spec.idleTimeoutSeconds.intValue(),
            spec.h2c()));
  }

  @Override
  public void revisionRemoved(NamespacedName revision) {
    dataPlane.removeRevision(revision);
  }

  @Override
  public void modeChanged(NamespacedName revision, SksMode mode) {
    dataPlane.updateMode(revision, mode);
  }

  @Override
  public void revisionFailed(NamespacedName revision, String reason, String message) {
    dataPlane.failRevision(revision, reason, message);
  }

  @Override
  public void revisionHealthy(NamespacedName revision) {
    dataPlane.clearFailure(revision);
  }

  @Override
  public List<String> activatorEndpoints() {
    return List.of(dataPlane.activatorAddress());
  }
}
