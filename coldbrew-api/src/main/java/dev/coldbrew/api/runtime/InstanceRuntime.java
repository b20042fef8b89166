package dev.coldbrew.api.runtime;

import dev.coldbrew.api.model.NamespacedName;
import dev.coldbrew.api.model.Revision;

/**
 * The runtime seam: makes N instances of a Revision exist and reports which are ready. The local
 * runtime runs OS processes; a Kubernetes runtime would scale Deployments. Implementations are
 * thread-safe and never block the caller on process start or stop.
 */
public interface InstanceRuntime extends AutoCloseable {

  /**
   * Makes {@code count} instances of the revision exist: starts the missing ones, drains and stops
   * the extra ones. Idempotent: calling it again with the same count changes nothing.
   */
  void scale(Revision revision, int count);

  /** Drains and stops every instance of the revision, then forgets it. */
  void remove(NamespacedName revision);

  /** The current view of one revision's instances; empty (no instances) if unknown. */
  RevisionInstances instances(NamespacedName revision);

  /** Registers a listener told of every change in any revision's instances. */
  void subscribe(InstanceListener listener);

  /** Stops every instance (draining first) and releases resources. */
  @Override
  void close();
}
