package dev.coldbrew.dataplane;

import dev.coldbrew.api.model.NamespacedName;
import dev.coldbrew.api.runtime.Instance;
import dev.coldbrew.dataplane.queue.Breaker;
import dev.coldbrew.dataplane.queue.ConcurrencyStats;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One instance's queue (Knative's queue-proxy, in process): its breaker (null for cc = 0), its
 * stats, the count of requests assigned to it (waiting or in flight) that draining waits for, and
 * one slot per event loop for that loop's pool of connections to the instance. Thread-safe; each
 * pool slot is read and written only by its own event loop.
 */
final class InstanceQueue {
  final Instance instance;
  final NamespacedName revision;
  final InetSocketAddress address;

  final Breaker breaker;

  /** Per event loop (by index): its connections to this instance; created on first use. */
  final UpstreamPool.Host[] pools;

  final ConcurrencyStats stats;
  private int assigned;
  private volatile boolean ready = true;
  private List<CompletableFuture<Void>> idleWaiters;

  InstanceQueue(
      Instance instance,
      NamespacedName revision,
      int cc,
      int depthPerCc,
      int eventLoops,
      long nowNanos) {
    this.instance = instance;
    this.revision = revision;
    // resolved here, off the event loops (an instance's host is an address in practice)
    this.address = new InetSocketAddress(instance.host(), instance.port());
    this.pools = new UpstreamPool.Host[eventLoops];
    this.breaker = cc > 0 ? new Breaker(cc, depthPerCc * cc) : null;
    this.stats = new ConcurrencyStats(nowNanos);
  }

  synchronized void enter() {
    assigned++;
  }

  /** The requests assigned to it: waiting in its queue or in flight on it. */
  synchronized int assigned() {
    return assigned;
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

  /** Whether it is out of the ready set: its idle pooled connections are not kept. */
  boolean retired() {
    return !ready;
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
