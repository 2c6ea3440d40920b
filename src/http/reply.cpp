// Reply: hands the response to its receiver.
#include "http/reply.hpp"

#include <spdlog/spdlog.h>

namespace psm::http {

void Reply::operator()(Response response) const {
  if (!receiver_) {
    spdlog::error("http: an empty Reply was called; response dropped");
    return;
  }
  receiver_->Complete(std::move(response));
}

}  // namespace psm::http
