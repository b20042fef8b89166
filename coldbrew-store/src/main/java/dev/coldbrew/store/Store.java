package dev.coldbrew.store;

import dev.coldbrew.api.model.Kind;
import dev.coldbrew.api.model.Resource;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Where resources live: get, list, create, update with optimistic concurrency, delete with
 * cascading to owned resources, and a watch delivering every change in commit order. The embedded
 * implementation is {@link SqliteStore}; a Kubernetes-API-backed one can replace it.
 *
 * <p>Resources are keyed by kind, namespace and name. Every successful write gets a new {@code
 * metadata.resourceVersion} from one global, increasing sequence; {@link #list} returns the
 * collection's resourceVersion so a caller can {@link #watch} from exactly that point. In the
 * SQLite store the versions {@code list} and {@code watch} speak are the resources' own; a store
 * that mirrors another source (the Kubernetes store and its informers) numbers the changes it has
 * seen instead, keeps {@code metadata.resourceVersion} as the server's opaque string, and may show
 * a write to its reads a little after the write returned. Objects returned by the read and write
 * methods are new and belong to the caller; objects delivered to watch listeners are shared between
 * listeners and must be copied ({@link dev.coldbrew.api.codec.ResourceCodec#copy}) before they are
 * changed. Implementations are thread-safe; write methods return (or their futures complete) only
 * once the write is durable.
 */
public interface Store extends AutoCloseable {

  /** The resource, or empty. */
  Optional<Resource> get(Kind kind, String namespace, String name);

  /**
   * Every resource of this kind in {@code namespace} ({@code null}: in all namespaces), ordered by
   * namespace and name, with the resourceVersion of that snapshot.
   */
  ListResult list(Kind kind, String namespace);

  /**
   * Creates a resource: sets uid, resourceVersion, creationTimestamp and generation 1, and drops
   * any status (set it with {@link #updateStatus}). When {@code metadata.name} is empty, the name
   * is {@code metadata.generateName} followed by 5 random lowercase alphanumerics.
   *
   * @return the stored resource
   * @throws StoreException ALREADY_EXISTS, INVALID (no name or namespace), UNAVAILABLE
   */
  Resource create(Resource resource);

  /**
   * Replaces metadata (except uid, creationTimestamp and generation) and spec, keeping the stored
   * status. {@code metadata.resourceVersion} must be the one last read; {@code metadata.generation}
   * is incremented when anything outside metadata and status changed. An update that changes
   * nothing writes nothing and returns the stored resource.
   *
   * @return the stored resource
   * @throws StoreException NOT_FOUND, CONFLICT (stale resourceVersion), INVALID, UNAVAILABLE
   */
  Resource update(Resource resource);

  /**
   * Replaces only the status, keeping the stored metadata and spec, with its own resourceVersion
   * check. A status equal to the stored one writes nothing.
   *
   * @return the stored resource
   * @throws StoreException NOT_FOUND, CONFLICT, INVALID (kind without status), UNAVAILABLE
   */
  Resource updateStatus(Resource resource);

  /**
   * Deletes a resource and every resource whose ownerReferences name its uid, recursively. Each
   * deleted resource is one DELETED event. The SQLite store deletes the owned resources in the same
   * transaction; on Kubernetes the cluster's garbage collector deletes them afterwards.
   *
   * @throws StoreException NOT_FOUND, UNAVAILABLE
   */
  void delete(Kind kind, String namespace, String name);

  /**
   * Delivers every change with a resourceVersion greater than {@code fromResourceVersion}, for all
   * kinds, in commit order, on a thread of the store's; the listener is called by one thread at a
   * time. When the changes since {@code fromResourceVersion} are no longer retained, or the
   * listener falls too far behind, it receives one {@link WatchEvent.Type#RESET} and the watch
   * ends: list again and watch from the list's resourceVersion.
   *
   * @return a handle that stops the watch when closed
   */
  Watch watch(long fromResourceVersion, WatchListener listener);

  /**
   * {@link #create}, without blocking: the future completes once the write is durable and fails
   * with the same {@link StoreException}s. It completes on a store thread that is not the writer;
   * dependent stages run there unless added with an {@code ...Async} method, so they must not
   * block. Writes issued together (sync or async) share one commit, so pipelining them is how one
   * thread writes fast.
   */
  CompletableFuture<Resource> createAsync(Resource resource);

  /** {@link #update}, without blocking; see {@link #createAsync}. */
  CompletableFuture<Resource> updateAsync(Resource resource);

  /** {@link #updateStatus}, without blocking; see {@link #createAsync}. */
  CompletableFuture<Resource> updateStatusAsync(Resource resource);

  /** {@link #delete}, without blocking; see {@link #createAsync}. */
  CompletableFuture<Void> deleteAsync(Kind kind, String namespace, String name);

  /** Stops writes and watches and releases the store. */
  @Override
  void close();
}
