package dev.coldbrew.dataplane;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.util.ReferenceCountUtil;

/**
 * A WebSocket after the instance's 101: the client's and the instance's connections become raw byte
 * pipes into each other, with back-pressure (a side stops reading while the other cannot take
 * more), until either closes; then the other is closed once what it was sent is flushed. The HTTP
 * codecs leave both pipelines (bytes they had read past the 101 are passed on as they are), and the
 * instance's connection leaves its pool for good. Confined to the event loop both connections
 * share.
 */
final class Tunnel {
  private final ProxiedRequest request;
  private int open = 2;

  private Tunnel(ProxiedRequest request) {
    this.request = request;
  }

  /** Joins the two connections; the 101 has been written and flushed to the client. */
  static void join(ClientConnection client, UpstreamConnection app, ProxiedRequest request) {
    Tunnel t = new Tunnel(request);
    Channel c = client.channel;
    Channel a = app.channel;
    app.exchange = null;
    app.pool.closed(app); // it leaves its pool for good
    client.loop.remove(client); // no header-read timeout from now on
    a.pipeline().replace(app, "tunnel", t.new Relay(c));
    a.pipeline().remove(HttpClientCodec.class);
    c.pipeline().replace(client, "tunnel", t.new Relay(a));
    c.pipeline().remove(HttpResponseEncoder.class);
    c.pipeline().remove(StrictRequestDecoder.class);
    c.config().setAutoRead(true);
    a.config().setAutoRead(true);
  }

  private void sideClosed() {
    if (--open == 0) {
      request.tunnelClosed();
    }
  }

  /** Copies what one side reads to the other ({@link #peer}). */
  private final class Relay extends ChannelInboundHandlerAdapter {
    private final Channel peer;
    private boolean closed;

    Relay(Channel peer) {
      this.peer = peer;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ByteBuf bytes = msg instanceof ByteBuf b ? b : null;
      if (msg instanceof ByteBufHolder holder) {
        bytes = holder.content(); // what a codec had decoded past the 101 before it left
      }
      if (bytes == null || !bytes.isReadable()) {
        ReferenceCountUtil.release(msg);
        return;
      }
      peer.write(bytes);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      peer.flush();
      if (!peer.isWritable()) {
        ctx.channel().config().setAutoRead(false);
      }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
      if (ctx.channel().isWritable()) {
        peer.config().setAutoRead(true);
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      if (!closed) {
        closed = true;
        peer.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        sideClosed();
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      // a reset on either side ends the tunnel; it is no error of the platform's
      DataPlane.log.debug("tunnel: {}", String.valueOf(cause));
      ctx.close();
    }
  }
}
