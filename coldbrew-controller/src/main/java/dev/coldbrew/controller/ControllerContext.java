package dev.coldbrew.controller;

import dev.coldbrew.api.model.Kind;
import dev.coldbrew.api.model.OwnerReference;
import dev.coldbrew.api.model.Resource;
import dev.coldbrew.api.model.Route;
import dev.coldbrew.api.validation.ValidationContext;
import dev.coldbrew.store.ResourceCache;
import dev.coldbrew.store.Store;
import java.time.Clock;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * What every reconciler shares: the store to write to, the cache to read from, the clock, the
 * platform config and the URL shape. Thread-safe.
 *
 * @param configs the platform config as it is now (it may be changed while the platform runs)
 * @param domains the domain of Route URLs as it is now
 * @param gatewayPort the port in URLs ({@code http://hello.default.localhost:8080}); 80 is omitted
 */
public record ControllerContext(
    Store store,
    ResourceCache cache,
    Clock clock,
    Supplier<ValidationContext> configs,
    Supplier<String> domains,
    int gatewayPort) {

  /** With a config that does not change. */
  public ControllerContext(
      Store store,
      ResourceCache cache,
      Clock clock,
      ValidationContext config,
      String domain,
      int gatewayPort) {
    this(store, cache, clock, () -> config, () -> domain, gatewayPort);
  }

  /** The domain of Route URLs, read anew by each reconcile. */
  public String domain() {
    return domains.get();
  }

  /** The platform config, read anew by each reconcile. */
  public ValidationContext config() {
    return configs.get();
  }

  /** The cached resource, shared (copy before changing). */
  @SuppressWarnings("unchecked")
  <T extends Resource> Optional<T> get(Kind kind, String namespace, String name) {
    return (Optional<T>) cache.get(kind, namespace, name);
  }

  /** {@code http://{host}.{ns}.{domain}[:port]}. */
  String url(String host, String namespace) {
    return url(host, namespace, domain());
  }

  /**
   * {@code http://{host}.{ns}.svc.cluster.local[:port]}: the address inside the cluster, here the
   * one clients on this machine use (the gateway answers it only to them).
   */
  String clusterUrl(String host, String namespace) {
    return url(host, namespace, Route.CLUSTER_DOMAIN);
  }

  private String url(String host, String namespace, String domain) {
    return "http://"
        + host
        + "."
        + namespace
        + "."
        + domain
        + (gatewayPort == 80 ? "" : ":" + gatewayPort);
  }

  /** True when {@code child}'s controller reference is {@code owner}. */
  static boolean ownedBy(Resource child, Resource owner) {
    OwnerReference ref = child.metadata.controllerRef();
    return ref != null && Objects.equals(ref.uid, owner.metadata.uid);
  }
}
