#!/usr/bin/env escript
%% -*- erlang -*-
%%! +S 1 +sbwt none +sbwtdcpu none +sbwtdio none
%% etf-bench.escript: Erlang's term_to_binary and binary_to_term on the
%% term bench/etf-bench measures (a %Todo.List{} of 1,000 entries), the
%% median of several runs in CPU time, printed in etf-bench's format.
%%
%%   escript bench/etf-bench.escript [ENTRIES [RUNS [SECONDS_PER_RUN]]]
-mode(compile).

main(Args) ->
    [N, Runs, Secs] = args(Args, ["1000", "7", "0.3"]),
    List = todo_list(list_to_integer(N)),
    Opts = [{minor_version, 2}],
    Bin = term_to_binary(List, Opts),
    R = list_to_integer(Runs),
    S = list_to_float(Secs),
    report("encode", byte_size(Bin),
           measure(fun() -> term_to_binary(List, Opts) end, R, S)),
    report("decode", byte_size(Bin),
           measure(fun() -> binary_to_term(Bin) end, R, S)),
    Reply = {ok, lists:sort(fun(A, B) -> maps:get(id, A) =< maps:get(id, B)
                            end, maps:values(maps:get(entries, List)))},
    RBin = term_to_binary(Reply, Opts),
    report("encode-reply", byte_size(RBin),
           measure(fun() -> term_to_binary(Reply, Opts) end, R, S)).

args(Given, Defaults) ->
    Given ++ lists:nthtail(length(Given), Defaults).

report(What, Bytes, Rate) ->
    io:format("~-8s ~-14s ~9b ~10.1f ~12b~n",
              ["Erlang", What, Bytes, Rate * Bytes / 1.0e6, round(Rate)]).

%% Median over runs of the operations per second.
measure(F, Runs, Secs) ->
    Iters = calibrate(F, 1, Secs),
    Rates = lists:sort([rate(F, Iters) || _ <- lists:seq(1, Runs)]),
    lists:nth(Runs div 2 + 1, Rates).

calibrate(F, Iters, Secs) ->
    T = time(F, Iters),
    case T >= Secs / 4 of
        true -> trunc(Iters * Secs / T) + 1;
        false -> calibrate(F, Iters * 2, Secs)
    end.

rate(F, Iters) -> Iters / time(F, Iters).

%% CPU time of the emulator, in seconds (as etf-bench: CPU time).
time(F, Iters) ->
    {T0, _} = erlang:statistics(runtime),
    loop(F, Iters),
    {T1, _} = erlang:statistics(runtime),
    max(T1 - T0, 1) / 1000.

loop(_, 0) -> ok;
loop(F, N) -> F(), loop(F, N - 1).

date(Y, M, D) ->
    #{'__struct__' => 'Elixir.Date', calendar => 'Elixir.Calendar.ISO',
      year => Y, month => M, day => D}.

todo_list(N) ->
    Es = [#{id => I, date => date(2018 + I rem 3, 1 + I rem 12, 1 + I rem 28),
            title => <<"Task number ", (integer_to_binary(I))/binary>>}
          || I <- lists:seq(1, N)],
    #{'__struct__' => 'Elixir.Todo.List', next_id => N + 1,
      entries => maps:from_list([{maps:get(id, E), E} || E <- Es])}.
