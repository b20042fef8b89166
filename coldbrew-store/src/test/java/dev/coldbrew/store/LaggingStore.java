package dev.coldbrew.store;

import dev.coldbrew.api.codec.ResourceCodec;
import dev.coldbrew.api.model.Kind;
import dev.coldbrew.api.model.Resource;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A {@link Store} decorator for tests whose reads lag behind its writes, as a Kubernetes store's
 * informer-backed reads may: {@code get} and {@code list} answer from a snapshot of the wrapped
 * store (one list per kind) taken when it was built and at each {@link #catchUp()}, while writes
 * and watches go straight to the wrapped store. Code that reads its own write back without waiting
 * for it sees the old state, and an update built from that read fails with CONFLICT. With {@code
 * catchUpEvery} n > 0, every n-th read catches up first, so code that waits for its writes to
 * become visible (as the {@link StoreContractTest} suite does) still gets there. Thread-safe.
 */
public final class LaggingStore implements Store {
  private final Store delegate;
  private final int catchUpEvery;
  private Map<Kind, ListResult> snapshot;
  private long reads;
  private boolean closed;

  /** Reads see the wrapped store as it was now, until {@link #catchUp()}. */
  public LaggingStore(Store delegate) {
    this(delegate, 0);
  }

  /**
   * Reads see the wrapped store as of the last catch-up, which happens now, at {@link #catchUp()},
   * and before every {@code catchUpEvery}-th read (0: never by itself).
   */
  public LaggingStore(Store delegate, int catchUpEvery) {
    if (catchUpEvery < 0) {
      throw new IllegalArgumentException("catchUpEvery: " + catchUpEvery + " (expected: >= 0)");
    }
    this.delegate = delegate;
    this.catchUpEvery = catchUpEvery;
    catchUp();
  }

  /** Takes a new snapshot: reads see every write made before this call. */
  public void catchUp() {
    Map<Kind, ListResult> next = new EnumMap<>(Kind.class);
    for (Kind k : Kind.values()) {
      next.put(k, delegate.list(k, null));
    }
    synchronized (this) {
      snapshot = next;
    }
  }

  private synchronized ListResult snapshotOf(Kind kind) {
    if (closed) {
      throw new StoreException(StoreException.Reason.UNAVAILABLE, "the lagging store is closed");
    }
    if (catchUpEvery > 0 && ++reads % catchUpEvery == 0) {
      catchUp();
    }
    return snapshot.get(kind);
  }

  @Override
  public Optional<Resource> get(Kind kind, String namespace, String name) {
    for (Resource r : snapshotOf(kind).items()) {
      if (Objects.equals(r.metadata.namespace, namespace)
          && Objects.equals(r.metadata.name, name)) {
        return Optional.of(ResourceCodec.copy(r));
      }
    }
    return Optional.empty();
  }

  @Override
  public ListResult list(Kind kind, String namespace) {
    ListResult all = snapshotOf(kind);
    List<Resource> items = new ArrayList<>();
    for (Resource r : all.items()) {
      if (namespace == null || namespace.equals(r.metadata.namespace)) {
        items.add(ResourceCodec.copy(r));
      }
    }
    return new ListResult(items, all.resourceVersion());
  }

  @Override
  public Resource create(Resource resource) {
    return delegate.create(resource);
  }

  @Override
  public Resource update(Resource resource) {
    return delegate.update(resource);
  }

  @Override
  public Resource updateStatus(Resource resource) {
    return delegate.updateStatus(resource);
  }

  @Override
  public void delete(Kind kind, String namespace, String name) {
    delegate.delete(kind, namespace, name);
  }

  @Override
  public CompletableFuture<Resource> createAsync(Resource resource) {
    return delegate.createAsync(resource);
  }

  @Override
  public CompletableFuture<Resource> updateAsync(Resource resource) {
    return delegate.updateAsync(resource);
  }

  @Override
  public CompletableFuture<Resource> updateStatusAsync(Resource resource) {
    return delegate.updateStatusAsync(resource);
  }

  @Override
  public CompletableFuture<Void> deleteAsync(Kind kind, String namespace, String name) {
    return delegate.deleteAsync(kind, namespace, name);
  }

  @Override
  public Watch watch(long fromResourceVersion, WatchListener listener) {
    return delegate.watch(fromResourceVersion, listener);
  }

  /** Closes the wrapped store. */
  @Override
  public void close() {
    synchronized (this) {
      closed = true;
    }
    delegate.close();
  }
}
