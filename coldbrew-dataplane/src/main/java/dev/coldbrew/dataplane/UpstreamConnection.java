package dev.coldbrew.dataplane;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpObject;
import io.netty.util.ReferenceCountUtil;

/**
 * One pooled connection to an instance, or one HTTP/2 stream to it ({@link #link}), as the last
 * handler of its channel (after Netty's HTTP client codec, or the stream's frame-to-message codec):
 * it hands the decoded response to the request it is lent to ({@link #exchange}) and tells the
 * {@link UpstreamPool} when it closes. After a read that left the response incomplete it re-arms
 * {@code TCP_QUICKACK}, so an app that writes its head and body in two segments with Nagle's
 * algorithm on is not held up by this side's delayed ACK (40 ms per request otherwise).
 *
 * <p>Confined to its channel's event loop, which is the loop of every request it serves.
 */
final class UpstreamConnection extends ChannelInboundHandlerAdapter {
  final UpstreamPool pool;
  final UpstreamPool.Host host;
  final Channel channel;

  /** HTTP/2: the instance's connection this stream is on; null for an HTTP/1.1 connection. */
  final Http2Link link;

  /** The request this connection is lent to; null while idle. */
  UpstreamExchange exchange;

  /** When it went back to the idle set, in nanoTime. */
  long idleSince;

  UpstreamConnection(UpstreamPool pool, UpstreamPool.Host host, Channel channel) {
    this(pool, host, channel, null);
  }

  /** A stream of {@code link}, or (null) a connection of its own. */
  UpstreamConnection(UpstreamPool pool, UpstreamPool.Host host, Channel channel, Http2Link link) {
    this.pool = pool;
    this.host = host;
    this.channel = channel;
    this.link = link;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    UpstreamExchange r = exchange;
    if (r == null) {
      // bytes on an idle connection: nothing asked for them, so the connection cannot be trusted
      ReferenceCountUtil.release(msg);
      channel.close();
      return;
    }
    if (!(msg instanceof HttpObject o)) {
      ReferenceCountUtil.release(msg); // an HTTP/2 frame of a type the conversion does not know
      return;
    }
    r.onResponse(o);
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    UpstreamExchange r = exchange;
    if (r != null) { // still lent: the response is not complete
      if (link == null) {
        pool.transport.quickAck(channel); // first, so the ACK leaves before the flush to the client
      }
      r.upstreamReadComplete();
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    UpstreamExchange r = exchange;
    if (r != null) {
      r.upstreamWritabilityChanged();
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    pool.closed(this);
    UpstreamExchange r = exchange;
    exchange = null;
    if (r != null) {
      r.upstreamClosed();
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    // resets and broken pipes: the request learns of it from the close that follows
    DataPlane.log.debug("connection to {}: {}", host.queue.instance.id(), String.valueOf(cause));
    ctx.close();
  }

  /** Closes the connection; it is not reused. A stream still open is reset (and counted). */
  void close() {
    exchange = null;
    if (link != null && channel.isActive()) {
      link.resetSent(pool.tracker().nanoTime());
    }
    channel.close();
  }
}
