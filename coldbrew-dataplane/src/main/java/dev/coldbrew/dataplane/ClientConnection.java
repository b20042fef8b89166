package dev.coldbrew.dataplane;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;

/**
 * One client connection to the gateway, as the last handler of its channel (after the {@link
 * StrictRequestDecoder} and Netty's response encoder). It serves the connection's requests one at a
 * time, in order: a request's head goes to the {@link Gateway} to be checked and routed, its body
 * parts to its {@link ProxiedRequest}; a request pipelined behind one whose response is not
 * finished waits (and reading pauses) until that response ends. Once a request was refused, or
 * answered before its body was read, or asked to close, nothing after it is dispatched, and the
 * connection closes when its last answer is flushed.
 *
 * <p>It keeps what the gateway reuses per connection: the header scan scratch, the client's address
 * as the forwarding headers carry it, and the last {@code Host} value with its parsed authority (a
 * keep-alive client sends the same one every time). Reading pauses for two reasons, tracked apart
 * so that they do not undo each other: a request body the instance cannot take yet ({@link
 * #PAUSE_BODY}) and pipelined requests waiting ({@link #PAUSE_PIPELINE}). Confined to its channel's
 * event loop.
 */
final class ClientConnection extends ChannelInboundHandlerAdapter {
  static final int PAUSE_BODY = 1;
  static final int PAUSE_PIPELINE = 2;
  private static final AsciiString TEXT_PLAIN = AsciiString.cached("text/plain; charset=utf-8");

  final Gateway gateway;
  final ConnectionTracker loop;

  /** The HTTP/1.1 decoder; null on an HTTP/2 stream (one request, framed by the stream). */
  final StrictRequestDecoder decoder;

  /** HTTP/2: the write that ended the response, once there is one. */
  ChannelFuture lastWrite;

  Channel channel;

  /** The request whose response is not finished; null while the connection waits for a head. */
  ProxiedRequest current;

  /** The request whose body is still arriving (its last part not yet read); null if none. */
  ProxiedRequest reading;

  /** Nothing after the current request is dispatched; the connection closes after its answer. */
  boolean closing;

  /** When the last response ended (or the connection opened), in nanoTime. */
  long idleSince;

  /** Inside a batch of reads: writes toward the instance are flushed at its end. */
  boolean inReadBatch;

  final Headers.RequestScan scan = new Headers.RequestScan();
  String clientAddress = "unknown";

  /** Whether the client connected over loopback: only such clients see cluster-local hosts. */
  boolean onThisMachine;

  String forwardedNode = "for=unknown;proto=http";
  private String lastHost;
  private RequestTarget.Authority lastAuthority;
  private String lastRouteHost;
  private ArrayDeque<Object> pipelined;
  private int pausedBy;

  ClientConnection(Gateway gateway, ConnectionTracker loop, StrictRequestDecoder decoder) {
    this.gateway = gateway;
    this.loop = loop;
    this.decoder = decoder;
  }

  // ---- channel events

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    channel = ctx.channel();
    idleSince = loop.nanoTime();
    if (channel.remoteAddress() instanceof InetSocketAddress remote
        && remote.getAddress() != null) {
      clientAddress = remote.getAddress().getHostAddress();
      onThisMachine = remote.getAddress().isLoopbackAddress();
      String node = clientAddress.indexOf(':') >= 0 ? "\"[" + clientAddress + "]\"" : clientAddress;
      forwardedNode = "for=" + node + ";proto=http";
    }
    loop.add(this);
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    loop.remove(this); // the connection turned out to speak HTTP/2: its streams are connections
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    loop.remove(this);
    dropPipelined();
    ProxiedRequest r = current != null ? current : reading;
    if (r != null) {
      r.clientGone();
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    inReadBatch = true;
    if ((pipelined != null && !pipelined.isEmpty())
        || (current != null && msg instanceof HttpRequest)) {
      if (pipelined == null) {
        pipelined = new ArrayDeque<>(4);
      }
      pipelined.add(msg);
      pause(PAUSE_PIPELINE);
      return;
    }
    dispatch(msg);
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    inReadBatch = false;
    ProxiedRequest r = reading;
    if (r != null) {
      r.clientReadComplete();
      if (reading != null && !http2()) {
        // a body is still expected: acknowledge what came now, so a client that sent its head and
        // body in two segments with Nagle's algorithm on is not held up by a delayed ACK
        gateway.transport.quickAck(channel);
      }
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (current != null) {
      current.clientWritabilityChanged();
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (http2() && current == null && lastWrite == null && channel.isActive()) {
      gateway.malformedStream(this, cause); // its request could not be made into a message
      return;
    }
    // resets and broken pipes are the client's doing: not worth more than a debug line
    DataPlane.log.debug("gateway connection: {}", String.valueOf(cause));
    ctx.close();
  }

  private void dispatch(Object msg) {
    if (http2() && msg instanceof FullHttpRequest full) { // a stream ended with its headers
      dispatch(
          new DefaultHttpRequest(
              full.protocolVersion(), full.method(), full.uri(), full.headers()));
      dispatch(new DefaultLastHttpContent(full.content(), full.trailingHeaders()));
      return;
    }
    if (msg instanceof HttpRequest head) {
      if (closing) {
        ReferenceCountUtil.release(msg);
      } else {
        gateway.onHead(this, head);
        ReferenceCountUtil.release(msg); // an invalid head is a full request with an empty body
      }
      return;
    }
    if (msg instanceof HttpContent content) {
      ProxiedRequest r = reading;
      if (r == null) {
        content.release(); // the body of a request that was refused: never read
        return;
      }
      if (content instanceof LastHttpContent || content.decoderResult().isFailure()) {
        reading = null;
      }
      r.onBody(content);
      return;
    }
    ReferenceCountUtil.release(msg);
  }

  // ---- requests

  /** The request routed from the head just read is now this connection's. */
  void begin(ProxiedRequest r) {
    current = r;
    reading = r;
  }

  /** The current request ended: dispatch what was pipelined behind it, or close. */
  void requestFinished(ProxiedRequest r, long now) {
    if (current != r) {
      return;
    }
    current = null;
    idleSince = now;
    if (reading == r && r.context.hasBody()) {
      stopReading(); // answered before its body arrived: what follows cannot be told from a request
    }
    if (closing) {
      closeAfterFlush();
      return;
    }
    while (pipelined != null && !pipelined.isEmpty()) {
      if (current != null && pipelined.peekFirst() instanceof HttpRequest) {
        return; // the next one waits for this one
      }
      dispatch(pipelined.pollFirst());
    }
    resume(PAUSE_PIPELINE);
  }

  /** Requests after the current one are dropped; its own body is still read. */
  void stopAfterThis() {
    closing = true;
  }

  /** Nothing more is decoded, not even the rest of the current request. */
  void stopReading() {
    closing = true;
    if (decoder != null) {
      decoder.stop();
    }
    dropPipelined();
  }

  private void dropPipelined() {
    if (pipelined != null) {
      Object m;
      while ((m = pipelined.pollFirst()) != null) {
        ReferenceCountUtil.release(m);
      }
    }
  }

  /** No request in progress: the header-read timeout applies. */
  boolean idle() {
    return current == null;
  }

  void close() {
    channel.close();
  }

  /**
   * Closes once everything written so far has been sent. A stream ends then instead: if the client
   * is still sending, with {@code RST_STREAM(NO_ERROR)} (RFC 9113 §8.1), once the response's last
   * write ({@link #lastWrite}) left, so no queued frame of the response is lost.
   */
  void closeAfterFlush() {
    if (http2()) {
      ChannelFuture last = lastWrite;
      if (last == null || last.isDone()) {
        endStream();
      } else {
        last.addListener(f -> endStream());
      }
      return;
    }
    channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
  }

  private void endStream() {
    if (channel.isActive()) { // not closed by both ends yet: the client has more to send
      channel.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.NO_ERROR));
    }
  }

  /** Whether this is a stream of an HTTP/2 connection. */
  boolean http2() {
    return decoder == null;
  }

  void pause(int reason) {
    if (pausedBy == 0) {
      channel.config().setAutoRead(false);
    }
    pausedBy |= reason;
  }

  void resume(int reason) {
    if ((pausedBy & reason) == 0) {
      return;
    }
    pausedBy &= ~reason;
    if (pausedBy == 0) {
      channel.config().setAutoRead(true);
    }
  }

  // ---- the gateway's own answers

  /**
   * A plain-text answer from the gateway itself. With {@code close}, it says {@code Connection:
   * close} and the connection closes once it is sent (the caller stops reading first).
   */
  void reply(HttpVersion version, int status, String body, boolean close, String retryAfter) {
    ByteBuf content = ByteBufUtil.writeUtf8(channel.alloc(), body);
    FullHttpResponse r =
        new DefaultFullHttpResponse(version, HttpResponseStatus.valueOf(status), content);
    HttpHeaders h = r.headers();
    h.set(HttpHeaderNames.CONTENT_TYPE, TEXT_PLAIN);
    h.setInt(HttpHeaderNames.CONTENT_LENGTH, content.readableBytes());
    if (retryAfter != null) {
      h.set(HttpHeaderNames.RETRY_AFTER, retryAfter);
    }
    if (close) {
      h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    } else if (version.minorVersion() == 0) {
      h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
    }
    ChannelFuture f = channel.writeAndFlush(r);
    if (http2()) {
      lastWrite = f;
      if (close) {
        closeAfterFlush();
      }
    } else if (close) {
      f.addListener(ChannelFutureListener.CLOSE);
    }
  }

  /**
   * Answers {@code 101 Switching Protocols} to a bodiless request that asked for h2c and makes the
   * connection HTTP/2, the request its stream 1 (its empty last part, read next, is dropped).
   */
  void upgradeToHttp2(HttpRequest head, Http2Settings settings) {
    FullHttpRequest request =
        new DefaultFullHttpRequest(
            head.protocolVersion(),
            head.method(),
            head.uri(),
            Unpooled.EMPTY_BUFFER,
            head.headers(),
            new DefaultHttpHeaders());
    FullHttpResponse switching =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1, HttpResponseStatus.SWITCHING_PROTOCOLS, Unpooled.EMPTY_BUFFER);
    switching
        .headers()
        .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE)
        .set(HttpHeaderNames.UPGRADE, Http2CodecUtil.HTTP_UPGRADE_PROTOCOL_NAME);
    channel.writeAndFlush(switching);
    gateway.serveHttp2(channel.pipeline(), loop, request, settings);
  }

  /** {@code 100 Continue}: the client may send its body now. */
  void writeContinue() {
    channel.writeAndFlush(
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE, Unpooled.EMPTY_BUFFER));
  }

  // ---- the Host cache

  /**
   * The authority a {@code Host} value names, or null if it is malformed; {@link #routeHost()} is
   * then its host in lower case. A keep-alive client repeats its {@code Host}: the last one is
   * remembered.
   */
  RequestTarget.Authority authority(String host) {
    if (host != null && host.equals(lastHost)) {
      return lastAuthority;
    }
    RequestTarget.Authority a = RequestTarget.authority(host);
    if (a != null) {
      lastHost = host;
      lastAuthority = a;
      lastRouteHost = Gateway.lowerCase(a.host());
    }
    return a;
  }

  /** The lower-case host of the last {@link #authority} that was valid. */
  String routeHost() {
    return lastRouteHost;
  }
}
