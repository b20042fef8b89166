package dev.coldbrew.controller;

import dev.coldbrew.api.model.ServerlessService;
import dev.coldbrew.api.model.SksMode;
import dev.coldbrew.api.runtime.RevisionInstances;

/**
 * The engine's side of the ServerlessService reconciler: publishes a Revision's endpoints for its
 * SKS — the activator in Proxy mode, the ready instances in Serve mode, with Knative's overrides
 * (no ready instance forces Proxy; an engine that can tell there is no activator forces Serve) —
 * and says what it published. The embedded engine writes {@code Endpoints} into the store and tells
 * the data plane the mode; the Kubernetes engine writes the Revision's Services and EndpointSlices
 * on the API server. Called by the reconcile workers, one SKS at a time; implementations are
 * thread-safe, may block on their writes, and throw {@code StoreException} when a write fails (the
 * SKS is retried with backoff), so they must be idempotent.
 */
public interface SksEndpoints {

  /**
   * What is published after a call.
   *
   * @param mode the effective mode: where the public endpoints point
   * @param readyInstances ready instances of the Revision
   * @param activators activator endpoints known (-1 when the engine cannot tell)
   */
  record Published(SksMode mode, int readyInstances, int activators) {}

  /** Makes the Revision's endpoints match {@code sks} and its ready {@code instances}. */
  Published publish(ServerlessService sks, RevisionInstances instances);
}
