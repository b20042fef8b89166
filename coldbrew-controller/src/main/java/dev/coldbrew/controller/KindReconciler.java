package dev.coldbrew.controller;

import dev.coldbrew.api.codec.ResourceCodec;
import dev.coldbrew.api.model.Kind;
import dev.coldbrew.api.model.NamespacedName;
import dev.coldbrew.api.model.Resource;
import dev.coldbrew.api.model.Status;
import java.time.Duration;
import java.util.Optional;

/**
 * The part every reconciler of one kind shares, as Knative's generated reconcilers own it: read the
 * resource from the cache; when it is gone, run {@link #finalizeKind} and stop; otherwise copy it
 * (cached objects are shared), give the copy a status with every condition of its kind present,
 * call {@link #reconcileKind} with the copy, roll its conditions up into Ready, set {@code
 * observedGeneration}, write the status only if it changed, then call {@link #statusStored}. A
 * subclass writes only the kind-specific middle: children, calls to the data plane and runtime, and
 * {@code mark…} calls on the copy's status.
 *
 * <p>An exception from {@link #reconcileKind} (a {@code StoreException} such as CONFLICT or
 * UNAVAILABLE from a child's write, or anything else) propagates with nothing written for the
 * status: {@link Controller} retries the key with backoff, and the next run starts again from the
 * cache. Reconciles must therefore be idempotent. Thread-safe as long as the subclass is: the work
 * queue never runs one key on two threads at once, but different keys run concurrently.
 *
 * @param <T> the resource class of the kind
 */
abstract class KindReconciler<T extends Resource> implements Reconciler {
  protected final ControllerContext ctx;
  private final Kind kind;

  KindReconciler(ControllerContext ctx, Kind kind) {
    this.ctx = ctx;
    this.kind = kind;
  }

  @Override
  public final Duration reconcile(NamespacedName key) {
    Optional<T> cached = ctx.get(kind, key.namespace(), key.name());
    if (cached.isEmpty()) {
      finalizeKind(key);
      return null;
    }
    T original = cached.get();
    T resource = ResourceCodec.copy(original);
    resource.ensureStatus().initializeConditions(ctx.clock());
    Duration requeue = reconcileKind(resource);
    Status status = resource.status();
    status.rollUpReady(ctx.clock());
    status.observedGeneration = original.metadata.generation;
    if (!statusJson(original).equals(statusJson(resource))) {
      ctx.store().updateStatus(resource);
    }
    statusStored(resource);
    return requeue;
  }

  private static String statusJson(Resource r) {
    return r.status() == null ? "null" : ResourceCodec.toJson(r.status());
  }

  /**
   * Makes the world match {@code resource}'s spec and records what it found with {@code mark…}
   * calls on its status; Ready is rolled up afterwards.
   *
   * @param resource a copy of the cached resource, with a status, for this call only
   * @return when to reconcile again even without a change, or null for never
   */
  protected abstract Duration reconcileKind(T resource);

  /**
   * The status {@link #reconcileKind} made is in the store (written, or unchanged): what a user
   * would check against it (a refusal naming the status's reason) may be told now. Not called when
   * the reconcile or the write failed; the retry calls it.
   */
  protected void statusStored(T resource) {}

  /**
   * The resource is gone (deleted, or never existed): release what lives outside the store (the
   * store cascades to owned resources). Called again if the key comes back; must be idempotent.
   */
  protected void finalizeKind(NamespacedName key) {}
}
