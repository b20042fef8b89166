package dev.coldbrew.dataplane;

import dev.coldbrew.api.model.SksMode;
import dev.coldbrew.dataplane.activator.InstanceTracker;
import dev.coldbrew.dataplane.activator.Throttler;
import dev.coldbrew.dataplane.queue.Breaker;
import io.netty.handler.codec.http.HttpRequest;

/**
 * One client request on its way to an instance: through the activator (held in the revision's
 * {@link Throttler} until an instance has a free slot), the instance's queue ({@link Breaker}),
 * then a pooled connection of its event loop to the instance; from there {@link UpstreamExchange}
 * (this class's other half) relays head and bodies both ways. This half admits the request, retries
 * it once when a connection cannot be opened or closes before a response that may be sent twice,
 * watches its deadlines (for its loop's sweep), takes evictions, and ends it.
 *
 * <p>A state machine over {@link RequestPhase}, whose Javadoc lists what holds in each phase.
 * Confined to the client connection's event loop: a grant or eviction that happens on another
 * thread is handed to that loop once ({@link #run}). Every exit goes through {@link #finish}, which
 * gives back exactly what was taken — throttler slot, breaker slot, queue assignment, stats, the
 * upstream connection — and tells the recorder.
 */
final class ProxiedRequest extends UpstreamExchange
    implements Throttler.Waiter, Breaker.Waiter, Runnable {
  private static final int GRANT = 1;
  private static final int BREAKER_GRANT = 2;
  private static final int EVICT = 3;

  // the loop's deadline list (ConnectionTracker)
  ProxiedRequest prevLive;
  ProxiedRequest nextLive;
  boolean listed;

  // activator and queue
  private boolean inActivator;
  private boolean atZero;
  private InstanceTracker tracker;
  private InstanceQueue queue;
  private boolean proxied;
  private boolean breakerSlot;
  private boolean queueStatsIn;
  private boolean retried;

  /** Waiting for the pool to open or hand back a connection. */
  private boolean waitingForUpstream;

  // deadlines
  private boolean stalled;
  private long lastActivity;
  private long lastBodyActivity;

  // a hand-off from another thread
  private int handoff;
  private InstanceTracker handedInstance;
  private String handedBody;

  ProxiedRequest(Gateway gw, ClientConnection conn, RequestContext context, HttpRequest head) {
    super(gw, conn, context, head);
    this.lastActivity = context.startNanos();
    this.lastBodyActivity = context.startNanos();
  }

  void start() {
    conn.begin(this);
    loop.add(this);
    InstanceQueue[] ready = rev.ready;
    if (rev.mode == SksMode.SERVE && ready.length > 0) {
      enterQueue(rev.nextQueue(ready), false, context.startNanos());
    } else {
      enterActivator();
    }
    if (!phase.ended() && upstream == null && context.hasBody() && !requestEnded) {
      conn.pause(ClientConnection.PAUSE_BODY); // the body waits until an instance can take it
    }
  }

  // ---- activator

  private void enterActivator() {
    inActivator = true;
    atZero = rev.ready.length == 0;
    if (rev.activatorStats.requestIn(gw.nanoTime())) {
      gw.reporter.poke(rev.key);
    }
    hold(null);
  }

  /**
   * Waits in the revision's throttler for an instance, preferring one other than {@code avoid}
   * (null: any); 503 if it holds too many already.
   */
  private void hold(InstanceTracker avoid) {
    phase = RequestPhase.HELD;
    Throttler.Result r = rev.throttler.acquire(this, avoid);
    if (r == Throttler.Result.REJECTED) {
      phase = RequestPhase.ROUTED;
      respond(GatewayAnswer.TOO_MANY_HELD, gw.heldFullBody(rev));
      finish(RequestPhase.FAILED);
    }
  }

  @Override
  public void onGranted(InstanceTracker instance) {
    if (loop.loop.inEventLoop()) {
      granted(instance);
    } else {
      handedInstance = instance;
      handOff(GRANT);
    }
  }

  private void granted(InstanceTracker instance) {
    if (phase.ended()) {
      rev.throttler.release(instance);
      return;
    }
    tracker = instance;
    long now = gw.nanoTime();
    if (atZero) {
      coldStartNanos = now - context.startNanos();
      rev.recorder.coldStart(coldStartNanos);
    }
    InstanceQueue q = gw.registry.queue(instance.instance().id());
    if (q == null) {
      String id = instance.instance().id();
      respond(
          GatewayAnswer.INSTANCE_GONE,
          gw.badGatewayBody(rev, id, "instance is gone"),
          "instance " + id + " is gone",
          null);
      finish(RequestPhase.FAILED);
      return;
    }
    enterQueue(q, true, now);
  }

  // ---- queue

  private void enterQueue(InstanceQueue q, boolean viaActivator, long now) {
    queue = q;
    proxied = viaActivator;
    q.enter();
    if (q.breaker == null) {
      sendUpstream(now);
      return;
    }
    phase = RequestPhase.QUEUED;
    if (q.breaker.acquire(this) == Breaker.Result.REJECTED) {
      respond(GatewayAnswer.QUEUE_FULL, gw.queueFullBody(rev));
      finish(RequestPhase.FAILED);
    }
  }

  @Override
  public void onGranted() {
    if (loop.loop.inEventLoop()) {
      breakerGranted();
    } else {
      handOff(BREAKER_GRANT);
    }
  }

  private void breakerGranted() {
    if (phase.ended()) {
      queue.breaker.release();
      return;
    }
    breakerSlot = true;
    sendUpstream(gw.nanoTime());
  }

  // ---- upstream: connection and request

  private void sendUpstream(long now) {
    phase = RequestPhase.PROXYING;
    queue.stats.requestIn(now, proxied);
    queueStatsIn = true;
    waitingForUpstream = true; // before: a failed connect may call back from within acquire
    UpstreamConnection c = loop.upstream.acquire(queue, this);
    if (c != null) {
      waitingForUpstream = false;
      attach(c);
    }
  }

  /**
   * A connection for this request (from the pool, later); false if the request no longer wants it.
   */
  boolean onUpstream(UpstreamConnection c) {
    if (phase != RequestPhase.PROXYING || upstream != null) {
      return false;
    }
    waitingForUpstream = false;
    attach(c);
    return true;
  }

  /** The connection the pool opened for this request failed: nothing was sent. */
  void onUpstreamFailed(Throwable cause) {
    waitingForUpstream = false;
    if (phase != RequestPhase.PROXYING || upstream != null) {
      return;
    }
    if (!retried) {
      retry(RequestObserver.Retry.CONNECT_FAILED);
      return;
    }
    upstreamFailed(GatewayAnswer.CONNECT_FAILED, "could not connect to the instance", cause);
  }

  @Override
  String instanceId() {
    return queue == null ? null : queue.instance.id();
  }

  @Override
  boolean resend() {
    if (retried) {
      return false;
    }
    retry(RequestObserver.Retry.CLOSED_BEFORE_RESPONSE);
    return true;
  }

  /**
   * Sends the request once more, when nothing of it reached the app (its connection could not be
   * opened) or it may be sent twice ({@link RequestContext#resendable}): gives back the failed
   * instance's slots, then takes another ready instance in Serve mode, else waits in the activator
   * for the instance it grants next (which may be the same one, or one that starts later).
   */
  private void retry(RequestObserver.Retry why) {
    retried = true;
    rev.recorder.retried(why);
    InstanceQueue failed = queue;
    long now = gw.nanoTime();
    failed.stats.requestOut(now, proxied);
    queueStatsIn = false;
    if (breakerSlot) {
      failed.breaker.release();
      breakerSlot = false;
    }
    gw.registry.queueExit(failed);
    queue = null;
    if (!inActivator) {
      InstanceQueue[] ready = rev.ready;
      InstanceQueue next = ready.length < 2 ? null : rev.nextQueue(ready);
      if (next == failed) {
        next = rev.nextQueue(ready);
      }
      if (next != null) {
        enterQueue(next, false, now);
      } else {
        enterActivator();
      }
      return;
    }
    InstanceTracker failedOn = tracker;
    rev.throttler.release(tracker);
    tracker = null;
    hold(failedOn);
  }

  /**
   * 502 saying in words what went wrong ({@code what}), explained in the log with the exception's
   * message. After the response has started, the client connection is closed instead.
   */
  @Override
  void upstreamFailed(GatewayAnswer answer, String what, Throwable cause) {
    if (!responseStarted) {
      String instance = instanceId() == null ? "?" : instanceId();
      respond(answer, gw.badGatewayBody(rev, instance, what), what, cause);
    } else {
      if (DataPlane.log.isDebugEnabled()) {
        DataPlane.log.debug(
            "revision {}, instance {}: {} after the response began; closing the client connection",
            rev.key,
            instanceId(),
            what,
            cause);
      }
      conn.close();
    }
    finish(RequestPhase.FAILED);
  }

  // ---- the client, the tunnel, timeouts, evictions

  /** The client connection closed. */
  void clientGone() {
    if (!phase.ended() && phase != RequestPhase.TUNNEL) {
      finish(RequestPhase.FAILED);
    }
  }

  @Override
  void startTunnel() {
    phase = RequestPhase.TUNNEL;
    loop.remove(this); // a WebSocket has no deadline
    Tunnel.join(conn, upstream, this);
    upstream = null;
  }

  /** Both sides of a WebSocket tunnel are closed. */
  void tunnelClosed() {
    statusSent = 101;
    finish(RequestPhase.DONE);
  }

  /** Called by the loop's sweep: turns activity into timestamps; true if a deadline passed. */
  boolean expired(long now) {
    if (activity) {
      activity = false;
      lastActivity = now;
    }
    if (bodyActivity) {
      bodyActivity = false;
      lastBodyActivity = now;
    }
    stalled = readingBody && gw.bodyIdleNanos != 0 && now - lastBodyActivity >= gw.bodyIdleNanos;
    return stalled
        || now - context.deadline() >= 0
        || (context.responseStartDeadline() != 0
            && !responseStarted
            && now - context.responseStartDeadline() >= 0)
        || (context.idleNanos() != 0 && now - lastActivity >= context.idleNanos());
  }

  /** A deadline passed ({@link #expired}): answer 504 or 408, or close a started response. */
  void timeOut(long now) {
    if (phase.ended() || phase == RequestPhase.TUNNEL) {
      return;
    }
    // answer first, so finish() records the status sent
    if (responseStarted) {
      conn.close();
    } else if (stalled) {
      respond(GatewayAnswer.BODY_TIMEOUT, Gateway.BODY_TIMEOUT);
    } else {
      if (inActivator) {
        respond(GatewayAnswer.ACTIVATOR_TIMEOUT, Gateway.ACTIVATOR_TIMEOUT);
      } else {
        respond(GatewayAnswer.REQUEST_TIMEOUT, Gateway.REQUEST_TIMEOUT);
      }
    }
    finish(RequestPhase.FAILED, now);
  }

  /** The revision failed or was removed while this request was held: 503, on its loop. */
  void evict(String body) {
    if (!loop.loop.inEventLoop()) {
      handedBody = body;
      handOff(EVICT);
      return;
    }
    if (!phase.ended()) {
      respond(GatewayAnswer.REVISION_FAILED, body);
      finish(RequestPhase.FAILED);
    }
  }

  private void handOff(int what) {
    handoff = what;
    loop.loop.execute(this);
  }

  /** A hand-off from another thread, now on this request's loop. */
  @Override
  public void run() {
    int what = handoff;
    handoff = 0;
    switch (what) {
      case GRANT -> {
        InstanceTracker t = handedInstance;
        handedInstance = null;
        granted(t);
      }
      case BREAKER_GRANT -> breakerGranted();
      case EVICT -> evict(handedBody);
      default -> {}
    }
  }

  // ---- exits

  @Override
  void finish(RequestPhase end) {
    finish(end, gw.nanoTime());
  }

  /** Gives back what this request took; once. */
  @Override
  void finish(RequestPhase end, long now) {
    if (phase.ended()) {
      return;
    }
    RequestPhase was = phase;
    phase = end;
    loop.remove(this);
    if (was == RequestPhase.HELD && tracker == null) {
      rev.throttler.cancel(this); // false: a grant is on its way and granted() gives it back
    }
    if (was == RequestPhase.QUEUED && !breakerSlot) {
      queue.breaker.cancel(this); // likewise breakerGranted()
    }
    if (waitingForUpstream) {
      waitingForUpstream = false;
      loop.upstream.cancel(queue, this);
    }
    if (upstream != null) {
      upstream.close(); // mid-exchange: the connection cannot be reused
      upstream = null;
    }
    dropPending();
    if (queueStatsIn) {
      queue.stats.requestOut(now, proxied);
    }
    if (breakerSlot) {
      queue.breaker.release();
    }
    if (queue != null) {
      gw.registry.queueExit(queue);
    }
    if (tracker != null) {
      rev.throttler.release(tracker);
    }
    if (inActivator) {
      rev.activatorStats.requestOut(now);
    }
    rev.recorder.requestDone(statusSent, now - context.startNanos(), inActivator);
    conn.requestFinished(this, now);
  }
}
