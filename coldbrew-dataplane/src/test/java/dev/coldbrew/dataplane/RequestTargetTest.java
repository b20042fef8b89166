package dev.coldbrew.dataplane;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RequestTargetTest {
  @Test
  void validHostsParseWithTheirPort() {
    RequestTarget.Authority a = RequestTarget.authority("Hello.Default.localhost:8080");
    assertThat(a.host()).isEqualTo("Hello.Default.localhost");
    assertThat(a.port()).isEqualTo(8080);
    assertThat(RequestTarget.authority("h").port()).isEqualTo(-1);
    assertThat(RequestTarget.authority("h:").port()).isEqualTo(-1);
    assertThat(RequestTarget.authority("[::1]:80").host()).isEqualTo("[::1]");
    assertThat(RequestTarget.authority("127.0.0.1:65535").port()).isEqualTo(65535);
  }

  @Test
  void malformedHostsAreNull() {
    for (String bad :
        new String[] {
          "",
          "%41",
          "%",
          "a%4",
          ":80",
          "h:65536",
          "h:123456",
          "h:8a",
          "a b",
          "a/b",
          "a@b",
          "[::1",
          "[]",
          "[::g]",
          "h:80:80",
          "\u00e9.example"
        }) {
      assertThat(RequestTarget.authority(bad)).as(bad).isNull();
    }
    assertThat(RequestTarget.authority(null)).isNull();
  }

  @Test
  void controlBytesAndSpacesAreFound() {
    assertThat(RequestTarget.hasControl("/a?b=c%20d")).isFalse();
    assertThat(RequestTarget.hasControl("/a\u0001")).isTrue();
    assertThat(RequestTarget.hasControl("/a b")).isTrue();
    assertThat(RequestTarget.hasControl("/\u007f")).isTrue();
  }

  @Test
  void absoluteFormGivesItsAuthorityAndOriginForm() {
    String t = "http://h.example:81/p?q=1";
    int end = RequestTarget.absoluteAuthorityEnd(t);
    assertThat(t.substring(7, end)).isEqualTo("h.example:81");
    assertThat(RequestTarget.originForm(t, end)).isEqualTo("/p?q=1");
    String bare = "HTTP://h.example";
    assertThat(RequestTarget.originForm(bare, RequestTarget.absoluteAuthorityEnd(bare)))
        .isEqualTo("/");
    String query = "http://h?x";
    assertThat(RequestTarget.originForm(query, RequestTarget.absoluteAuthorityEnd(query)))
        .isEqualTo("/?x");
    for (String bad : new String[] {"https://h/", "http://u@h/", "http:///x", "ftp://h/", "h:80"}) {
      assertThat(RequestTarget.absoluteAuthorityEnd(bad)).as(bad).isNegative();
    }
  }
}
