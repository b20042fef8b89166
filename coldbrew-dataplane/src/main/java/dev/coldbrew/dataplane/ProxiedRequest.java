package dev.coldbrew.dataplane;

// Longer than ~500 lines on purpose: one request's state machine (held, queued, connecting,
// streaming, finished) with every transition and every exit in one place, so that finish() can be
// checked to give back exactly what was taken. Its parts that are not states (Throttler, Breaker,
// the backend pool, Headers) live in their own files.

import dev.coldbrew.api.model.SksMode;
import dev.coldbrew.dataplane.activator.InstanceTracker;
import dev.coldbrew.dataplane.activator.Throttler;
import dev.coldbrew.dataplane.queue.Breaker;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.HostAndPort;
import io.vertx.core.net.NetSocket;

/**
 * One client request on its way to an instance: through the activator (held in the revision's
 * {@link Throttler} until an instance has a free slot), then the instance's queue ({@link
 * Breaker}), then a pooled backend connection, streaming the body both ways with back-pressure.
 *
 * <p>State machine, confined to the request's event loop: grants that arrive on other threads are
 * moved onto it. Every exit (response ended, 502, 503, 504, client gone) goes through {@link
 * #finish()}, which gives back exactly what was taken: the throttler slot, the breaker slot, the
 * queue assignment and the stats.
 */
final class ProxiedRequest implements Throttler.Waiter, Breaker.Waiter, Handler<Long> {
  private static final int NEW = 0;
  private static final int HELD = 1;
  private static final int QUEUED = 2;
  private static final int SENDING = 3;
  private static final int DONE = 4;
  private static final long SECOND = 1_000_000_000L;

  private final DataPlane dp;
  private final HttpServerRequest req;
  private final HttpServerResponse res;
  private final Context ctx;
  private final RevisionState rev;
  private final HostAndPort authority;
  private final String uri;
  private final boolean webSocket;
  private final boolean expectContinue;
  private final long overallDeadline;
  private final long responseStartDeadline;
  private final long idleNanos;
  private final long startNanos;

  /**
   * Nanoseconds this request waited for a revision at zero to get an instance; -1 if it did not.
   */
  private long coldStartNanos = -1;

  private boolean atZero;
  private long lastActivity;
  private long timerId = -1;
  private int phase = NEW;

  private boolean inActivator;
  private InstanceTracker tracker;
  private InstanceQueue queue;
  private boolean proxied;
  private boolean breakerSlot;
  private boolean queueStatsIn;
  private HttpClientRequest upstream;
  private HttpClientResponse upstreamResponse;
  private long bodyBytes;
  private boolean retried;

  /** The body is being read for the instance (not paused for it): its idle clock runs. */
  private boolean readingBody;

  /** When the last body byte arrived, or reading (re)started, in nanoTime. */
  private long lastBodyActivity;

  /**
   * @param authority where the request goes: its {@code Host}, or its absolute-form authority
   * @param uri the origin-form target sent to the instance
   * @param expectContinue whether the client waits for {@code 100 Continue} before its body
   */
  ProxiedRequest(
      DataPlane dp,
      HttpServerRequest req,
      RevisionState rev,
      HostAndPort authority,
      String uri,
      boolean webSocket,
      boolean expectContinue) {
    this.dp = dp;
    this.req = req;
    this.res = req.response();
    this.ctx = Vertx.currentContext();
    this.rev = rev;
    this.authority = authority;
    this.uri = uri;
    this.webSocket = webSocket;
    this.expectContinue = expectContinue;
    RevisionConfig config = rev.config;
    long now = dp.nanoTime();
    int timeout = config.timeoutSeconds() > 0 ? config.timeoutSeconds() : dp.defaultTimeoutSeconds;
    this.overallDeadline = now + timeout * SECOND;
    Integer start = config.responseStartTimeoutSeconds();
    this.responseStartDeadline = start != null && start > 0 ? now + start * SECOND : 0;
    Integer idle = config.idleTimeoutSeconds();
    this.idleNanos = idle != null && idle > 0 ? idle * SECOND : 0;
    this.lastActivity = now;
    this.startNanos = now;
  }

  void start() {
    req.pause();
    res.closeHandler(v -> onClientGone());
    armTimer(dp.nanoTime());
    InstanceQueue[] ready = rev.ready;
    if (rev.mode == SksMode.SERVE && ready.length > 0) {
      enterQueue(rev.nextQueue(ready), false);
    } else {
      enterActivator();
    }
  }

  // ---- activator

  private void enterActivator() {
    inActivator = true;
    atZero = rev.ready.length == 0;
    if (rev.activatorStats.requestIn(dp.nanoTime())) {
      dp.poke(rev.key);
    }
    phase = HELD;
    if (rev.throttler.acquire(this) == Throttler.Result.REJECTED) {
      phase = NEW;
      respond(503, dp.heldFullBody(rev), true);
      finish();
    }
  }

  @Override
  public void onGranted(InstanceTracker instance) {
    if (Vertx.currentContext() == ctx) {
      granted(instance);
    } else {
      ctx.runOnContext(v -> granted(instance));
    }
  }

  private void granted(InstanceTracker instance) {
    if (phase == DONE) {
      rev.throttler.release(instance);
      return;
    }
    tracker = instance;
    if (atZero) {
      coldStartNanos = dp.nanoTime() - startNanos;
      rev.recorder.coldStart(coldStartNanos);
    }
    InstanceQueue q = dp.queue(instance.instance().id());
    if (q == null) {
      respond(502, dp.badGatewayBody(rev, instance.instance().id(), "instance is gone"), false);
      finish();
      return;
    }
    enterQueue(q, true);
  }

  // ---- queue

  private void enterQueue(InstanceQueue q, boolean viaActivator) {
    queue = q;
    proxied = viaActivator;
    q.enter();
    if (q.breaker == null) {
      sendUpstream();
      return;
    }
    phase = QUEUED;
    if (q.breaker.acquire(this) == Breaker.Result.REJECTED) {
      respond(503, dp.queueFullBody(rev), true);
      finish();
    }
  }

  @Override
  public void onGranted() {
    if (Vertx.currentContext() == ctx) {
      breakerGranted();
    } else {
      ctx.runOnContext(v -> breakerGranted());
    }
  }

  private void breakerGranted() {
    if (phase == DONE) {
      queue.breaker.release();
      return;
    }
    breakerSlot = true;
    sendUpstream();
  }

  // ---- upstream

  private void sendUpstream() {
    phase = SENDING;
    queue.stats.requestIn(dp.nanoTime(), proxied);
    queueStatsIn = true;
    RequestOptions options =
        new RequestOptions()
            .setServer(queue.address)
            .setHost(queue.instance.host())
            .setPort(queue.instance.port())
            .setMethod(req.method())
            .setURI(uri);
    try {
      dp.client.request(options).onComplete(this::onUpstreamRequest);
    } catch (IllegalStateException closing) { // the data plane is closing
      respond(502, dp.badGatewayBody(rev, queue.instance.id(), closing.getMessage()), false);
      finish();
    }
  }

  private void onUpstreamRequest(AsyncResult<HttpClientRequest> ar) {
    if (ar.failed()) {
      if (phase != DONE && !retried && reroute()) {
        return;
      }
      if (phase != DONE) {
        upstreamFailed("could not connect to the instance", ar.cause());
      }
      return;
    }
    HttpClientRequest up = ar.result();
    if (phase == DONE) {
      up.exceptionHandler(e -> {}); // the reset's own error: nothing is waiting for it
      up.reset();
      return;
    }
    upstream = up;
    up.authority(authority);
    dp.headers.copyRequest(req, up.headers(), webSocket);
    up.exceptionHandler(this::onUpstreamError);
    if (webSocket) {
      req.resume(); // an upgrade request has no body; its end must be seen before the tunnel
      up.connect().onComplete(this::onUpstreamResponse);
      return;
    }
    up.response().onComplete(this::onUpstreamResponse);
    if (req.headers().contains(HttpHeaders.TRANSFER_ENCODING)) {
      up.setChunked(true);
    }
    up.drainHandler(v -> resumeBody());
    req.handler(this::onRequestChunk);
    req.endHandler(
        v -> {
          readingBody = false;
          up.end();
        });
    if (expectContinue && !req.isEnded()) {
      res.writeContinue(); // the request goes through now: let the client send its body
    }
    resumeBody();
    if (dp.bodyIdleNanos != 0 && readingBody) {
      cancelTimer();
      armTimer(lastBodyActivity);
    }
  }

  /** Reads the body (again): its idle clock restarts. */
  private void resumeBody() {
    if (!req.isEnded()) {
      readingBody = true;
      lastBodyActivity = dp.nanoTime();
    }
    req.resume();
  }

  /**
   * The connection to the instance could not be opened, so nothing was sent: give back its slots
   * and try once more, through the activator (which may pick another instance) or, in Serve mode,
   * on the next ready instance. False if there is nowhere else to go.
   */
  private boolean reroute() {
    InstanceQueue failed = queue;
    InstanceQueue next = null;
    if (!inActivator) {
      InstanceQueue[] ready = rev.ready;
      if (ready.length < 2) {
        return false;
      }
      next = rev.nextQueue(ready);
      if (next == failed) {
        next = rev.nextQueue(ready);
      }
    }
    retried = true;
    failed.stats.requestOut(dp.nanoTime(), proxied);
    queueStatsIn = false;
    if (breakerSlot) {
      failed.breaker.release();
      breakerSlot = false;
    }
    dp.queueExit(failed);
    queue = null;
    if (next != null) {
      enterQueue(next, false);
      return true;
    }
    rev.throttler.release(tracker);
    tracker = null;
    phase = HELD;
    if (rev.throttler.acquire(this) == Throttler.Result.REJECTED) {
      phase = NEW;
      respond(503, dp.heldFullBody(rev), true);
      finish();
    }
    return true;
  }

  private void onRequestChunk(Buffer chunk) {
    if (phase == DONE) {
      return;
    }
    bodyBytes += chunk.length();
    if (bodyBytes > dp.maxBodyBytes) {
      respond(413, DataPlane.BODY_TOO_LARGE, false);
      finish();
      upstream.reset();
      return;
    }
    if (idleNanos != 0 || dp.bodyIdleNanos != 0) {
      long now = dp.nanoTime();
      lastActivity = now;
      lastBodyActivity = now;
    }
    upstream.write(chunk);
    if (upstream.writeQueueFull()) {
      readingBody = false; // the instance is the slow one: the client is not idle
      req.pause();
    }
  }

  private void onUpstreamResponse(AsyncResult<HttpClientResponse> ar) {
    if (ar.failed()) {
      onUpstreamError(ar.cause());
      return;
    }
    HttpClientResponse resp = ar.result();
    if (phase == DONE) {
      upstream.reset();
      return;
    }
    upstreamResponse = resp;
    res.setStatusCode(resp.statusCode());
    res.setStatusMessage(resp.statusMessage());
    boolean upgraded = webSocket && resp.statusCode() == 101;
    dp.headers.copyResponse(resp.headers(), res.headers(), upgraded);
    if (coldStartNanos >= 0 && dp.coldStartHeader) {
      res.headers().set("Coldbrew-Cold-Start", Long.toString(coldStartNanos / 1_000_000));
    }
    if (upgraded) {
      tunnel(resp.netSocket());
      return;
    }
    if (!resp.headers().contains(HttpHeaders.CONTENT_LENGTH) && hasBody(resp.statusCode())) {
      res.setChunked(true);
      res.writeHead();
    }
    res.drainHandler(v -> resp.resume());
    resp.handler(this::onResponseChunk);
    resp.exceptionHandler(this::onUpstreamError);
    resp.endHandler(v -> onResponseEnd());
  }

  private boolean hasBody(int status) {
    return status >= 200 && status != 204 && status != 304 && !"HEAD".equals(req.method().name());
  }

  private void onResponseChunk(Buffer chunk) {
    if (phase == DONE) {
      return;
    }
    if (idleNanos != 0) {
      lastActivity = dp.nanoTime();
    }
    res.write(chunk);
    if (res.writeQueueFull()) {
      upstreamResponse.pause();
    }
  }

  private void onResponseEnd() {
    if (phase == DONE) {
      return;
    }
    res.end();
    finish();
  }

  /**
   * WebSocket: after the instance's 101, the two connections exchange raw bytes until either
   * closes.
   */
  private void tunnel(NetSocket backend) {
    cancelTimer();
    req.toNetSocket()
        .onComplete(
            ar -> {
              if (ar.failed()) {
                backend.close();
                finish();
                return;
              }
              NetSocket front = ar.result();
              // a reset on either side ends the tunnel; it is no error of the platform's
              front.exceptionHandler(
                  e -> DataPlane.log.debug("tunnel, client side: {}", e.toString()));
              backend.exceptionHandler(
                  e -> DataPlane.log.debug("tunnel, app side: {}", e.toString()));
              front.pipeTo(backend);
              backend.pipeTo(front);
              front.closeHandler(v -> backend.close());
              backend.closeHandler(
                  v -> {
                    front.close();
                    finish();
                  });
            });
  }

  private void onUpstreamError(Throwable cause) {
    if (phase == DONE) {
      return;
    }
    upstreamFailed(
        "the instance closed the connection or failed before a complete response", cause);
  }

  /**
   * 502 saying in words what went wrong ({@code what}); the exception only in the debug log. After
   * the response has started, the client connection is closed instead.
   */
  private void upstreamFailed(String what, Throwable cause) {
    if (DataPlane.log.isDebugEnabled()) {
      DataPlane.log.debug(
          "revision {}, instance {}: {}", rev.key, queue.instance.id(), what, cause);
    }
    if (!res.headWritten()) {
      respond(502, dp.badGatewayBody(rev, queue.instance.id(), what), false);
    } else {
      req.connection().close();
    }
    finish();
  }

  private void onClientGone() {
    if (phase == DONE) {
      return;
    }
    finish();
    if (upstream != null) {
      upstream.reset();
    }
  }

  // ---- timeouts

  private void armTimer(long now) {
    long next = overallDeadline;
    if (responseStartDeadline != 0 && upstreamResponse == null) {
      next = Math.min(next, responseStartDeadline);
    }
    if (idleNanos != 0) {
      next = Math.min(next, lastActivity + idleNanos);
    }
    if (readingBody && dp.bodyIdleNanos != 0) {
      next = Math.min(next, lastBodyActivity + dp.bodyIdleNanos);
    }
    long delayMillis = Math.max(1, (next - now + 999_999) / 1_000_000);
    timerId = dp.vertx.setTimer(delayMillis, this);
  }

  private void cancelTimer() {
    if (timerId != -1) {
      dp.vertx.cancelTimer(timerId);
      timerId = -1;
    }
  }

  /** The timer fired: time out if a deadline passed, else wait for the next one. */
  @Override
  public void handle(Long id) {
    timerId = -1;
    if (phase == DONE) {
      return;
    }
    long now = dp.nanoTime();
    boolean bodyStalled =
        readingBody && dp.bodyIdleNanos != 0 && now - lastBodyActivity >= dp.bodyIdleNanos;
    boolean expired =
        bodyStalled
            || now >= overallDeadline
            || (responseStartDeadline != 0
                && upstreamResponse == null
                && now >= responseStartDeadline)
            || (idleNanos != 0 && now - lastActivity >= idleNanos);
    if (!expired) {
      armTimer(now);
      return;
    }
    // answer first, so finish() records the status sent (not "client left")
    if (res.headWritten()) {
      req.connection().close();
    } else if (bodyStalled) {
      respond(408, DataPlane.BODY_TIMEOUT, false);
    } else {
      respond(504, inActivator ? DataPlane.ACTIVATOR_TIMEOUT : DataPlane.REQUEST_TIMEOUT, false);
    }
    finish();
    if (upstream != null) {
      upstream.reset(); // after finish(): the reset's error must not turn the 504 into a 502
    }
  }

  // ---- exits

  private void respond(int status, String body, boolean retryAfter) {
    if (res.ended() || res.closed() || res.headWritten()) {
      return;
    }
    res.headers().clear();
    res.setStatusCode(status);
    res.putHeader("content-type", "text/plain; charset=utf-8");
    if (retryAfter) {
      res.putHeader("retry-after", dp.retryAfter);
    }
    boolean bodyUnread = !req.isEnded();
    if (bodyUnread) {
      dp.stopReading(req); // nothing after this request is read: the connection ends with it
      res.putHeader("connection", "close");
    }
    res.end(body)
        .onComplete(
            v -> {
              if (bodyUnread) {
                req.connection().close();
              }
            });
  }

  /** Gives back what this request took; idempotent. */
  private void finish() {
    if (phase == DONE) {
      return;
    }
    int was = phase;
    phase = DONE;
    cancelTimer();
    long now = dp.nanoTime();
    if (was == HELD && tracker == null) {
      rev.throttler.cancel(this); // false: a grant is on its way and granted() gives it back
    }
    if (was == QUEUED && !breakerSlot) {
      queue.breaker.cancel(this); // likewise breakerGranted()
    }
    if (queueStatsIn) {
      queue.stats.requestOut(now, proxied);
    }
    if (breakerSlot) {
      queue.breaker.release();
    }
    if (queue != null) {
      dp.queueExit(queue);
    }
    if (tracker != null) {
      rev.throttler.release(tracker);
    }
    if (inActivator) {
      rev.activatorStats.requestOut(now);
    }
    rev.recorder.requestDone(res.ended() ? res.getStatusCode() : 0, now - startNanos, inActivator);
  }

  /** The revision failed while this request was held: answer 503 now. */
  void evict(String body) {
    if (Vertx.currentContext() != ctx) {
      ctx.runOnContext(v -> evict(body));
      return;
    }
    if (phase == DONE) {
      return;
    }
    respond(503, body, false);
    finish();
  }

  /** Held requests for a failed revision are evicted by the data plane; see {@link #evict}. */
  static ProxiedRequest of(Throttler.Waiter w) {
    return (ProxiedRequest) w;
  }
}
