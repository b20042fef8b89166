package dev.coldbrew.store;

import dev.coldbrew.api.codec.ResourceCodec;
import dev.coldbrew.api.model.Kind;
import dev.coldbrew.api.model.Resource;
import dev.coldbrew.store.StoreException.Reason;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A {@link Store} decorator for tests: it records every write call it receives, in order, and fails
 * the writes it was told to — "the next updateStatus of Route {@code hello} fails with CONFLICT",
 * once or {@code n} times — without passing them on, so the wrapped store is unchanged by them.
 * Reads and watches go straight to the wrapped store. Table tests wrap an {@link InMemoryStore},
 * run one reconcile and assert {@link #summary()}. An induced failure is the {@link StoreException}
 * a real store would throw, with a message saying it was induced; the async methods return it as a
 * failed future. Thread-safe.
 */
public final class FaultyStore implements Store {

  /** A kind of write. */
  public enum Op {
    CREATE("create"),
    UPDATE("update"),
    UPDATE_STATUS("updateStatus"),
    DELETE("delete");

    private final String method;

    Op(String method) {
      this.method = method;
    }

    /** The {@link Store} method's name. */
    public String method() {
      return method;
    }
  }

  /**
   * One write call.
   *
   * @param sent a copy of the resource passed (null for a delete)
   * @param induced the reason it was failed with by this decorator, or null when it was passed on
   */
  public record Call(
      Op op, Kind kind, String namespace, String name, Resource sent, Reason induced) {

    /** {@code op Kind namespace/name}, and {@code -> REASON} when it was failed here. */
    @Override
    public String toString() {
      String call = op.method() + " " + kind.kindName() + " " + namespace + "/" + name;
      return induced == null ? call : call + " -> " + induced;
    }
  }

  private static final class Fault {
    final Op op;
    final Kind kind;
    final String name;
    final Reason reason;
    int remaining;

    Fault(Op op, Kind kind, String name, Reason reason, int times) {
      this.op = op;
      this.kind = kind;
      this.name = name;
      this.reason = reason;
      this.remaining = times;
    }

    boolean matches(Op op, Kind kind, String name) {
      return this.op == op && this.kind == kind && (this.name == null || this.name.equals(name));
    }
  }

  private final Store delegate;
  private final List<Fault> faults = new ArrayList<>();
  private final List<Call> calls = new ArrayList<>();

  public FaultyStore(Store delegate) {
    this.delegate = delegate;
  }

  /** The store this one passes calls on to. */
  public Store delegate() {
    return delegate;
  }

  /** The next {@code op} on any {@code kind} fails with {@code reason}, once. */
  public FaultyStore failNext(Op op, Kind kind, Reason reason) {
    return fail(op, kind, null, reason, 1);
  }

  /** The next {@code op} on {@code kind} named {@code name} fails with {@code reason}, once. */
  public FaultyStore failNext(Op op, Kind kind, String name, Reason reason) {
    return fail(op, kind, name, reason, 1);
  }

  /**
   * The next {@code times} calls of {@code op} on {@code kind} named {@code name} ({@code null}:
   * any name) fail with {@code reason}. Faults are matched in the order they were added.
   */
  public synchronized FaultyStore fail(Op op, Kind kind, String name, Reason reason, int times) {
    if (op == null || kind == null || reason == null) {
      throw new IllegalArgumentException(
          "op, kind and reason are required (got " + op + ", " + kind + ", " + reason + ")");
    }
    if (times < 1) {
      throw new IllegalArgumentException("times: " + times + " (expected: >= 1)");
    }
    faults.add(new Fault(op, kind, name, reason, times));
    return this;
  }

  /** How many induced failures are still to come. */
  public synchronized int pendingFaults() {
    return faults.stream().mapToInt(f -> f.remaining).sum();
  }

  /** Every write call so far, in order. */
  public synchronized List<Call> calls() {
    return List.copyOf(calls);
  }

  /** Every write call so far as {@link Call#toString()}: {@code update Route default/hello}. */
  public synchronized List<String> summary() {
    return calls.stream().map(Call::toString).toList();
  }

  /** Forgets the calls recorded so far (not the faults still to come). */
  public synchronized void clearCalls() {
    calls.clear();
  }

  /** Records the call and returns the failure to induce, or null. */
  private synchronized StoreException record(
      Op op, Kind kind, String namespace, String name, Resource sent) {
    Reason induced = null;
    for (Iterator<Fault> it = faults.iterator(); it.hasNext(); ) {
      Fault f = it.next();
      if (f.matches(op, kind, name)) {
        induced = f.reason;
        if (--f.remaining == 0) {
          it.remove();
        }
        break;
      }
    }
    calls.add(
        new Call(
            op, kind, namespace, name, sent == null ? null : ResourceCodec.copy(sent), induced));
    if (induced == null) {
      return null;
    }
    return new StoreException(
        induced,
        op.method()
            + " "
            + WriteRules.describe(kind, namespace, name)
            + ": "
            + induced
            + " (induced by FaultyStore)");
  }

  private StoreException record(Op op, Resource r) {
    return record(op, r.resourceKind(), r.metadata.namespace, r.metadata.name, r);
  }

  @Override
  public Optional<Resource> get(Kind kind, String namespace, String name) {
    return delegate.get(kind, namespace, name);
  }

  @Override
  public ListResult list(Kind kind, String namespace) {
    return delegate.list(kind, namespace);
  }

  @Override
  public Resource create(Resource resource) {
    throwIfInduced(record(Op.CREATE, resource));
    return delegate.create(resource);
  }

  @Override
  public Resource update(Resource resource) {
    throwIfInduced(record(Op.UPDATE, resource));
    return delegate.update(resource);
  }

  @Override
  public Resource updateStatus(Resource resource) {
    throwIfInduced(record(Op.UPDATE_STATUS, resource));
    return delegate.updateStatus(resource);
  }

  @Override
  public void delete(Kind kind, String namespace, String name) {
    throwIfInduced(record(Op.DELETE, kind, namespace, name, null));
    delegate.delete(kind, namespace, name);
  }

  @Override
  public CompletableFuture<Resource> createAsync(Resource resource) {
    StoreException e = record(Op.CREATE, resource);
    return e != null ? CompletableFuture.failedFuture(e) : delegate.createAsync(resource);
  }

  @Override
  public CompletableFuture<Resource> updateAsync(Resource resource) {
    StoreException e = record(Op.UPDATE, resource);
    return e != null ? CompletableFuture.failedFuture(e) : delegate.updateAsync(resource);
  }

  @Override
  public CompletableFuture<Resource> updateStatusAsync(Resource resource) {
    StoreException e = record(Op.UPDATE_STATUS, resource);
    return e != null ? CompletableFuture.failedFuture(e) : delegate.updateStatusAsync(resource);
  }

  @Override
  public CompletableFuture<Void> deleteAsync(Kind kind, String namespace, String name) {
    StoreException e = record(Op.DELETE, kind, namespace, name, null);
    return e != null
        ? CompletableFuture.failedFuture(e)
        : delegate.deleteAsync(kind, namespace, name);
  }

  @Override
  public Watch watch(long fromResourceVersion, WatchListener listener) {
    return delegate.watch(fromResourceVersion, listener);
  }

  /** Closes the wrapped store. */
  @Override
  public void close() {
    delegate.close();
  }

  private static void throwIfInduced(StoreException e) {
    if (e != null) {
      throw e;
    }
  }
}
