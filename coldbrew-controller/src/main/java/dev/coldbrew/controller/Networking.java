package dev.coldbrew.controller;

import dev.coldbrew.api.model.NamespacedName;
import dev.coldbrew.api.model.Revision;
import dev.coldbrew.api.model.SksMode;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the reconcilers tell the data plane, in memory and at once (the store is not on this path):
 * routing changes, each revision's serving settings, its SKS mode, and whether it has failed. The
 * server implements it over the gateway; tests record the calls. Implementations are thread-safe
 * and must not block.
 */
public interface Networking {
  /** One revision and its share of a host's traffic, in percent (1..100). */
  record Split(NamespacedName revision, long percent) {}

  /**
   * Routing changed, incrementally: a Route change costs only its own hosts. Calls are ordered
   * (never concurrent), each one applying on top of the previous ones.
   *
   * @param set lower-case host (no port) → its new split, for hosts that appeared or changed
   * @param removed lower-case hosts no longer routed (disjoint from {@code set})
   */
  void routesChanged(Map<String, List<Split>> set, Set<String> removed);

  /**
   * The domains of DomainMappings changed, as {@link #routesChanged} for Routes: each domain takes
   * its target Route's split, served to every client (Knative's mapping Ingress is external) and
   * only where no Route's host of that name answers the client.
   *
   * @param set lower-case domain → its new split
   * @param removed lower-case domains no longer mapped (disjoint from {@code set})
   */
  void domainsChanged(Map<String, List<Split>> set, Set<String> removed);

  /** A revision exists or changed: its containerConcurrency and timeouts. */
  void revisionChanged(Revision revision);

  /** A revision is gone. */
  void revisionRemoved(NamespacedName revision);

  /** The revision's public endpoints are the activator (Proxy) or its instances (Serve). */
  void modeChanged(NamespacedName revision, SksMode mode);

  /** The revision cannot serve (crash loop, deadline): requests for it are refused at once. */
  void revisionFailed(NamespacedName revision, String reason, String message);

  /** The revision can serve again. */
  void revisionHealthy(NamespacedName revision);

  /** The activator's addresses ({@code host:port}), listed as public endpoints in Proxy mode. */
  List<String> activatorEndpoints();
}
