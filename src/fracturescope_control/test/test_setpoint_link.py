import asyncio

from fracturescope_control.setpoint_link import SetpointLink


def test_offering_never_waits_and_a_slow_plc_gets_the_newest_output_next():
    async def scenario():
        sent, done = [], []
        release = asyncio.Event()

        async def exchange(output):
            sent.append(output)
            if output == 'first':
                await release.wait()                    # a PLC that does not answer (yet)
            return f'ok {output}'

        link = SetpointLink(exchange, lambda output, status: done.append((output, status)))
        loop = asyncio.get_running_loop()
        started = loop.time()
        for output in ('first', 'second', 'third', 'estop'):     # four ticks while the first write hangs
            link.offer(output)
            await asyncio.sleep(0.01)
        assert loop.time() - started < 0.2 and sent == ['first'] and link.busy
        release.set()
        await asyncio.sleep(0.01)
        assert sent == ['first', 'estop'] and link.coalesced == 2 and not link.busy
        assert done == [('first', 'ok first'), ('estop', 'ok estop')]

    asyncio.run(scenario())


def test_a_failed_exchange_is_reported_and_the_next_output_still_goes():
    async def scenario():
        done = []

        async def exchange(output):
            return None if output == 'lost' else output

        link = SetpointLink(exchange, lambda output, status: done.append((output, status)))
        link.offer('lost')
        await asyncio.sleep(0)
        link.offer('next')
        await asyncio.sleep(0.01)
        assert done == [('lost', None), ('next', 'next')]

    asyncio.run(scenario())
