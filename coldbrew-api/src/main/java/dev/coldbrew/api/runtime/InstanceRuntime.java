package dev.coldbrew.api.runtime;

import dev.coldbrew.api.model.NamespacedName;
import dev.coldbrew.api.model.Revision;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The runtime seam: makes N instances of a Revision exist and reports which are ready. The local
 * runtime runs OS processes and containers; a Kubernetes runtime would scale Deployments.
 * Implementations are thread-safe and never block the caller on an app's start or stop (the local
 * runtime spawns a process's first new instance on the caller's thread, a millisecond or two, and
 * returns without waiting for the app to get ready).
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

  /**
   * What runs the revision's instances. A {@link Engine#CONTAINER} revision needs its image
   * resolved ({@link #resolveImage}) and the digest recorded in {@code
   * status.containerStatuses[0].imageDigest} before it is scaled: its instances run that digest.
   * Default: {@link Engine#PROCESS}.
   */
  default Engine engine(Revision revision) {
    return Engine.PROCESS;
  }

  /**
   * Resolves the revision's image to the digest reference its instances will run ({@code
   * repository@sha256:…}), pulling it first as its {@code imagePullPolicy} says. Returns at once;
   * completes within a bounded time, exceptionally with an {@link ImageResolutionException} naming
   * the reason and the engine's message. Default: fails, this runtime runs no images.
   */
  default CompletableFuture<String> resolveImage(Revision revision) {
    return CompletableFuture.failedFuture(
        new ImageResolutionException("ContainerEngineMissing", "this runtime runs no images"));
  }

  /**
   * The engine's names of the containers that run the revision's instances now (for people: {@code
   * coldbrew describe revision}); empty for processes. Default: none.
   */
  default List<String> containers(NamespacedName revision) {
    return List.of();
  }

  /** Stops every instance (draining first) and releases resources. */
  @Override
  void close();
}
