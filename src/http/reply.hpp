// Reply: the handle a handler completes its request with, from any thread. A shared pointer to
// the session's receiver, so passing and keeping it costs no allocation of its own.
#pragma once

#include <concepts>
#include <memory>
#include <type_traits>
#include <utility>

#include "http/response.hpp"

namespace psm::http {

class Reply {
 public:
  // What takes a request's response. The session's receiver lets the first response through,
  // and answers 500 if every Reply is dropped without one.
  class Receiver {
   public:
    virtual ~Receiver() = default;
    virtual void Complete(Response response) = 0;
  };

  // An empty Reply, as is a moved-from one; calling it is a bug, logged and ignored.
  Reply() = default;
  explicit Reply(std::shared_ptr<Receiver> receiver) : receiver_(std::move(receiver)) {}
  // A Reply that hands the response to `fn`, for tests and adapters (allocates once).
  template <class Fn>
  requires(!std::same_as<std::decay_t<Fn>, Reply> && std::invocable<Fn&, Response>)
      Reply(Fn fn)  // NOLINT(google-explicit-constructor): a callable converts as to std::function
      : receiver_(std::make_shared<Forwarder<Fn>>(std::move(fn))) {}

  // Completes the request, from any thread. Call it once: the session ignores later calls, and
  // answers 500 if every copy is destroyed without a call.
  void operator()(Response response) const;

  explicit operator bool() const { return receiver_ != nullptr; }

 private:
  template <class Fn>
  class Forwarder final : public Receiver {
   public:
    explicit Forwarder(Fn fn) : fn_(std::move(fn)) {}
    void Complete(Response response) override { fn_(std::move(response)); }

   private:
    Fn fn_;
  };

  std::shared_ptr<Receiver> receiver_;
};

}  // namespace psm::http
