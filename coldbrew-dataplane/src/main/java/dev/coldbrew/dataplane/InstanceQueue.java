package dev.coldbrew.dataplane;

import dev.coldbrew.api.model.NamespacedName;
import dev.coldbrew.api.runtime.Instance;
import dev.coldbrew.dataplane.queue.Breaker;
import dev.coldbrew.dataplane.queue.ConcurrencyStats;
import io.vertx.core.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One instance's queue (Knative's queue-proxy, in process): its breaker (null for cc = 0), its
 * stats, and the count of requests assigned to it (waiting or in flight) that draining waits for.
 * Thread-safe.
 */
final class InstanceQueue {
  final Instance instance;
  final NamespacedName revision;
  final SocketAddress address;
  final Breaker breaker;
  final ConcurrencyStats stats;
  private int assigned;
  private boolean ready = true;
  private List<CompletableFuture<Void>> idleWaiters;

  InstanceQueue(Instance instance, NamespacedName revision, int cc, int depthPerCc, long nowNanos) {
    this.instance = instance;
    this.revision = revision;
    this.address = SocketAddress.inetSocketAddress(instance.port(), instance.host());
    this.breaker = cc > 0 ? new Breaker(cc, depthPerCc * cc) : null;
    this.stats = new ConcurrencyStats(nowNanos);
  }

  synchronized void enter() {
    assigned++;
  }

  /** A request left; true if the queue is now idle and out of the ready set (forget it). */
  boolean exit() {
    List<CompletableFuture<Void>> done = null;
    boolean forget;
    synchronized (this) {
      assigned--;
      if (assigned == 0 && idleWaiters != null) {
        done = idleWaiters;
        idleWaiters = null;
      }
      forget = assigned == 0 && !ready;
    }
    if (done != null) {
      done.forEach(f -> f.complete(null));
    }
    return forget;
  }

  /** Marks it in or out of the ready set; true if it left and is idle (forget it). */
  synchronized boolean setReady(boolean ready) {
    this.ready = ready;
    return !ready && assigned == 0;
  }

  /** Completes when nothing is assigned. */
  synchronized CompletableFuture<Void> idle() {
    if (assigned == 0) {
      return CompletableFuture.completedFuture(null);
    }
    if (idleWaiters == null) {
      idleWaiters = new ArrayList<>();
    }
    CompletableFuture<Void> f = new CompletableFuture<>();
    idleWaiters.add(f);
    return f;
  }
}
