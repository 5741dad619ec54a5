package io.leasegrid.client;

import io.aeron.Publication;
import org.agrona.concurrent.IdleStrategy;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * How a request goes out and its answer comes back to whoever waits: a blocking caller (who runs the duty cycle
 * itself while it waits, and gets an exception with its own stack), an asynchronous caller (whose future completes
 * on the event executor), or a callback (called on the duty cycle's thread). Sends are bounded: an asynchronous call
 * makes a few attempts and fails with {@link ErrorCode#BACK_PRESSURE} rather than spin; a blocking call retries until
 * its deadline. Thread safe.
 */
final class RequestDispatch
{
    /**
     * Puts one request on the wire through a session's proxy.
     */
    @FunctionalInterface
    interface Sender
    {
        /**
         * @return positive when sent, else the publication's answer.
         */
        long send(ShardSessionProxy proxy, long correlationId, long sessionId);
    }

    private static final int ASYNC_SEND_ATTEMPTS = 3;
    private static final long AWAIT_GRACE_NS = TimeUnit.MILLISECONDS.toNanos(100);


    private final GridClientContext context;
    private final PendingRequests pending;
    private final Executor events;
    private ClientConductor conductor;
    private volatile boolean closed;

    RequestDispatch(final GridClientContext context, final PendingRequests pending, final Executor events)
    {
        this.context = context;
        this.pending = pending;
        this.events = events;
    }

    void conductor(final ClientConductor conductor)
    {
        this.conductor = conductor;
    }

    void closed()
    {
        closed = true;
    }

    boolean isClosed()
    {
        return closed;
    }

    /**
     * @return a request of {@code kind} on {@code session}, timing out after the request timeout plus {@code extraNs}.
     */
    PendingRequest newRequest(final PendingRequest.Kind kind, final ShardSession session, final long extraNs)
    {
        final PendingRequest request = pending.newRequest();
        request.correlationId = conductor.nextCorrelationId();
        request.kind = kind;
        request.session = session;
        request.sendNs = context.nanoClock().nanoTime();
        request.deadlineNs = request.sendNs + context.requestTimeoutNs() + Math.max(0, Math.min(extraNs, Long.MAX_VALUE / 4));
        return request;
    }

    /**
     * Register and send a request whose answer a future waits for.
     *
     * @param async true to complete the future on the event executor and to give up sending after a few attempts.
     * @return the future, failed already when the request could not be sent.
     */
    CompletableFuture<Object> submit(final PendingRequest request, final boolean async, final Sender sender)
    {
        request.future = new CompletableFuture<>();
        request.async = async;
        pending.register(request);
        final long deadlineNs = request.deadlineNs;
        long result;
        int attempts = 0;
        final IdleStrategy idle = async ? null : idleStrategy();
        while ((result = sender.send(request.session.proxy, request.correlationId, request.session.sessionId())) <= 0)
        {
            final boolean hopeless = Publication.CLOSED == result || Publication.MAX_POSITION_EXCEEDED == result;
            if (hopeless || (async && ++attempts >= ASYNC_SEND_ATTEMPTS) || context.nanoClock().nanoTime() - deadlineNs > 0 || closed)
            {
                if (null != pending.take(request.correlationId))
                {
                    fail(request, Publication.NOT_CONNECTED == result ? ErrorCode.NOT_CONNECTED : ErrorCode.BACK_PRESSURE,
                        "the request could not be sent: " + (Publication.NOT_CONNECTED == result ?
                        "the node's shard is not connected" : "the publication is back-pressured"));
                }
                break;
            }
            if (null != idle)
            {
                idle.idle();
            }
        }
        return request.future;
    }

    /**
     * Register and send a request that nobody waits for (a renewal, a release or a cancel the client makes on its
     * own): one attempt; its answer is matched and handled when it comes.
     *
     * @return true when it went out.
     */
    boolean sendInternal(final PendingRequest request, final Sender sender)
    {
        pending.register(request);
        if (sender.send(request.session.proxy, request.correlationId, request.session.sessionId()) > 0)
        {
            return true;
        }
        if (null != pending.take(request.correlationId))
        {
            pending.recycle(request);
        }
        return false;
    }

    /**
     * Register a request of the callback path before it is sent; when its session is not open the failure goes to the
     * callback at once.
     *
     * @return true when the caller should send it now and report the outcome with {@link #sentCallback}, using only
     * what it read from the request before this call.
     */
    boolean registerCallback(final PendingRequest request)
    {
        if (!request.session.isOpen() || closed)
        {
            fail(request, closed ? ErrorCode.CLIENT_CLOSED : ErrorCode.NOT_CONNECTED, null);
            return false;
        }
        pending.register(request);
        return true;
    }

    /**
     * A request of the callback path went out (positive {@code result}) or could not: then its callback hears why.
     * Takes the correlation id, not the request: once registered, the request may be completed, failed (the client
     * closing, its session lost) and recycled for another request by other threads before the sender gets here.
     */
    void sentCallback(final long correlationId, final long result)
    {
        if (result <= 0)
        {
            final PendingRequest request = pending.take(correlationId);
            if (null != request)
            {
                fail(request, Publication.NOT_CONNECTED == result ? ErrorCode.NOT_CONNECTED : ErrorCode.BACK_PRESSURE,
                    null);
            }
        }
    }

    /**
     * Wait for a blocking call's answer, running the duty cycle on this thread while no other thread does.
     *
     * @return the answer.
     * @throws GridException with this thread's stack, the failure as its cause.
     */
    Object await(final PendingRequest request)
    {
        return await(request, true);
    }

    /**
     * Wait for a blocking call's answer; an uninterruptible wait keeps going when the thread is interrupted and
     * restores its interrupt status once the answer is in.
     */
    Object await(final PendingRequest request, final boolean interruptible)
    {
        final CompletableFuture<Object> future = request.future;
        final IdleStrategy idle = idleStrategy();
        boolean interrupted = false;
        request.waiter = Thread.currentThread();
        while (!future.isDone())
        {
            if (Thread.currentThread().isInterrupted())
            {
                if (interruptible)
                {
                    throw new GridException(ErrorCode.INTERRUPTED, null);
                }
                interrupted = Thread.interrupted();
            }
            if (context.nanoClock().nanoTime() - (request.deadlineNs + AWAIT_GRACE_NS) > 0)
            {
                // The thread that times requests out is stuck (in a callback): time this one out here.
                if (null != pending.take(request.correlationId))
                {
                    fail(request, ErrorCode.TIMEOUT, null);
                }
            }
            if (conductor.pollForCaller() > 0)
            {
                idle.reset();
            }
            else
            {
                idle.idle();
            }
        }
        if (interrupted)
        {
            Thread.currentThread().interrupt();
        }
        return result(future);
    }

    /**
     * Wait until {@code condition} holds, running the duty cycle meanwhile.
     *
     * @return false when the deadline passed first.
     */
    boolean awaitCondition(final BooleanSupplier condition, final long deadlineNs)
    {
        final IdleStrategy idle = idleStrategy();
        while (!condition.getAsBoolean())
        {
            if (context.nanoClock().nanoTime() - deadlineNs > 0 || closed)
            {
                return false;
            }
            if (Thread.currentThread().isInterrupted())
            {
                throw new GridException(ErrorCode.INTERRUPTED, null);
            }
            if (conductor.pollForCaller() > 0)
            {
                idle.reset();
            }
            else
            {
                idle.idle();
            }
        }
        return true;
    }

    /**
     * The answer arrived: hand it to whoever waits.
     */
    void complete(final PendingRequest request, final Object value)
    {
        final CompletableFuture<Object> future = request.future;
        if (null == future)
        {
            pending.recycle(request);
            return;
        }
        if (request.async)
        {
            events.execute(() -> future.complete(value));
        }
        else
        {
            future.complete(value);
            wake(request.waiter);
        }
    }

    /**
     * A caller blocked on its answer idles, parked at times; the thread that completed the answer for it wakes it
     * rather than leave it parked until its idle strategy looks again (up to its longest park).
     */
    private static void wake(final Thread waiter)
    {
        if (null != waiter && Thread.currentThread() != waiter)
        {
            LockSupport.unpark(waiter);
        }
    }

    /**
     * The request failed: tell whoever waits.
     */
    void fail(final PendingRequest request, final ErrorCode code, final String message)
    {
        if (null != request.valueCallback)
        {
            final ValueCallback callback = request.valueCallback;
            final long correlationId = request.correlationId;
            pending.recycle(request);
            callback.onError(correlationId, code);
            return;
        }
        if (null != request.leaseCallback)
        {
            final LeaseCallback callback = request.leaseCallback;
            final long correlationId = request.correlationId;
            pending.recycle(request);
            callback.onError(correlationId, code);
            return;
        }
        final CompletableFuture<Object> future = request.future;
        if (null == future)
        {
            pending.recycle(request);
            return;
        }
        GridException failure = ErrorCode.TIMEOUT == code ? new GridTimeoutException(
            null == message ? "no answer from the node within " + TimeUnit.NANOSECONDS.toMillis(
            request.deadlineNs - request.sendNs) + " ms" : message) : new GridException(code, message);
        if (null != request.listCollector)
        {
            failure = request.listCollector.fail(failure);
            if (null == failure)
            {
                return;
            }
        }
        final GridException cause = failure;
        if (request.async)
        {
            events.execute(() -> future.completeExceptionally(cause));
        }
        else
        {
            future.completeExceptionally(cause);
            wake(request.waiter);
        }
    }

    IdleStrategy idleStrategy()
    {
        return io.leasegrid.codec.IdleStrategies.named(context.idleStrategy());
    }

    private static Object result(final CompletableFuture<Object> future)
    {
        try
        {
            return future.join();
        }
        catch (final CompletionException ex)
        {
            final Throwable cause = ex.getCause();
            if (cause instanceof GridTimeoutException)
            {
                throw new GridTimeoutException(stripCode(cause.getMessage()), cause);
            }
            if (cause instanceof GridException)
            {
                throw new GridException(((GridException)cause).code(), stripCode(cause.getMessage()), cause);
            }
            throw ex;
        }
    }

    private static String stripCode(final String message)
    {
        final int colon = null == message ? -1 : message.indexOf(": ");
        return colon < 0 ? message : message.substring(colon + 2);
    }
}
