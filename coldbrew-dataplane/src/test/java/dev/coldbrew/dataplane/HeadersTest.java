package dev.coldbrew.dataplane;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HeadersTest {
  @Test
  void internalHeadersAreRecognisedWithUnderscoresOrDashes() {
    for (String name :
        new String[] {
          "K-Foo",
          "k_proxy_request",
          "K_Proxy_Request",
          "Knative-Serving-Revision",
          "knative_serving_namespace",
          "Knative-Serving_X",
          "KNATIVE_SERVING-X"
        }) {
      assertThat(Headers.isInternal(name)).as(name).isTrue();
    }
    for (String name :
        new String[] {"K", "K-", "Knative", "KnativeX", "Knative-Servingx-y", "x-k-foo", "Kay"}) {
      assertThat(Headers.isInternal(name)).as(name).isFalse();
    }
  }

  @Test
  void tokensAreFoundInCommaSeparatedValues() {
    assertThat(Headers.hasToken("keep-alive, Close", "close")).isTrue();
    assertThat(Headers.hasToken(" close ", "close")).isTrue();
    assertThat(Headers.hasToken("closed", "close")).isFalse();
    assertThat(Headers.hasToken("c, lose", "close")).isFalse();
    assertThat(Headers.hasToken("", "close")).isFalse();
    assertThat(Headers.hasToken(",,\t,", "close")).isFalse();
  }
}
