package dev.coldbrew.dataplane;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.util.ReferenceCountUtil;

/**
 * One HTTP/2 connection to an instance, as the last handler of its channel (after Netty's frame
 * codec and stream multiplexer): requests open streams on it ({@link UpstreamPool}), each stream's
 * own {@link UpstreamConnection} relays one exchange. It counts its open streams, so the pool's
 * sweep closes it once idle for the keep-alive timeout; after the instance's GOAWAY it takes no new
 * stream and closes when its last one ends.
 *
 * <p>Confined to its channel's event loop.
 */
final class Http2Link extends ChannelInboundHandlerAdapter {
  final UpstreamPool pool;
  final UpstreamPool.Host host;
  final Channel channel;

  /** Opens a stream on it, carrying HTTP messages, as an {@link UpstreamConnection}. */
  final Http2StreamChannelBootstrap bootstrap;

  /** Streams open on it. */
  int streams;

  /** When its last stream closed (or it opened), in nanoTime. */
  long idleSince;

  private boolean goingAway;

  Http2Link(UpstreamPool pool, UpstreamPool.Host host, Channel channel, long now) {
    this.pool = pool;
    this.host = host;
    this.channel = channel;
    this.idleSince = now;
    this.bootstrap =
        new Http2StreamChannelBootstrap(channel)
            .handler(
                new ChannelInitializer<Http2StreamChannel>() {
                  @Override
                  protected void initChannel(Http2StreamChannel ch) {
                    streams++;
                    Http2.upstreamStream(ch.pipeline());
                    ch.pipeline().addLast(new UpstreamConnection(pool, host, ch, Http2Link.this));
                  }
                });
  }

  /**
   * Resets sent within {@link #RESET_WINDOW_NANOS}, counted from {@link #resetsSince}: servers
   * close a connection that sends many (Netty's default: 200 in 30 s, against "rapid reset"
   * floods), failing every request on it, so past {@link #MAX_RESETS} it takes no new stream and
   * closes when its last one ends, and a new connection takes the requests that follow.
   */
  private int resets;

  private long resetsSince;
  static final int MAX_RESETS = 100;
  static final long RESET_WINDOW_NANOS = 30_000_000_000L;

  /** This side reset one of its streams (a client went, a request ended early). */
  void resetSent(long now) {
    if (now - resetsSince > RESET_WINDOW_NANOS) {
      resetsSince = now;
      resets = 0;
    }
    if (++resets >= MAX_RESETS && !goingAway) {
      goingAway = true;
      pool.linkDone(this);
    }
  }

  /** One of its streams closed. */
  void streamClosed(long now) {
    streams--;
    idleSince = now;
    if (streams == 0 && goingAway) {
      channel.close();
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof Http2GoAwayFrame) {
      goingAway = true;
      pool.linkDone(this);
      if (streams == 0) {
        channel.close();
      }
    }
    ReferenceCountUtil.release(msg); // settings, pings and the like: the codec has answered them
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    pool.linkClosed(this);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    DataPlane.log.debug(
        "HTTP/2 connection to {}: {}", host.queue.instance.id(), String.valueOf(cause));
    ctx.close();
  }
}
