# bash completion for cgbind(1): sub-commands, their options, the restore
# modes, and files where an option takes one.
# shellcheck disable=SC2207 # COMPREPLY=($(compgen ...)) is how completions split words

_cgbind_files() {
        # image files first; any file if none matches
        local IFS=$'\n'
        COMPREPLY=($(compgen -f -X '!*.json' -- "$1") $(compgen -d -- "$1"))
        [ ${#COMPREPLY[@]} -eq 0 ] && COMPREPLY=($(compgen -f -- "$1"))
        compopt -o filenames 2>/dev/null
}

_cgbind() {
        local cur prev cmd i
        cur=${COMP_WORDS[COMP_CWORD]}
        prev=${COMP_WORDS[COMP_CWORD - 1]}

        # the sub-command is the first word after "cgbind" that is not an option
        cmd=
        for ((i = 1; i < COMP_CWORD; i++)); do
                case ${COMP_WORDS[i]} in
                save | restore | show | help)
                        cmd=${COMP_WORDS[i]}
                        break
                        ;;
                esac
        done

        if [ -z "$cmd" ]; then
                COMPREPLY=($(compgen -W 'save restore show help --help --version' -- "$cur"))
                return 0
        fi

        case $cmd in
        save)
                case $prev in
                -o | --output | --log)
                        _cgbind_files "$cur"
                        return 0
                        ;;
                --pid)
                        COMPREPLY=($(compgen -W "$(cd /proc 2>/dev/null && echo [0-9]*)" -- "$cur"))
                        return 0
                        ;;
                esac
                case $prev in --max-cgroups | --timeout) return 0 ;; esac
                COMPREPLY=($(compgen -W '--pid -o --output --log --max-cgroups --timeout --help' -- "$cur"))
                ;;
        restore)
                case $prev in
                --image | --log)
                        _cgbind_files "$cur"
                        return 0
                        ;;
                --image-dir)
                        COMPREPLY=($(compgen -d -- "$cur"))
                        compopt -o filenames 2>/dev/null
                        return 0
                        ;;
                --mode)
                        COMPREPLY=($(compgen -W 'soft full strict props none ignore' -- "$cur"))
                        return 0
                        ;;
                --max-image-size | --max-cgroups | --timeout)
                        return 0
                        ;;
                esac
                COMPREPLY=($(compgen -W '--image --image-dir --mode --dry-run --top-level --skip-missing
                        --no-move-init --log --syslog --debug --no-sandbox --max-image-size
                        --convert --skip-busy --max-cgroups --timeout --help' -- "$cur"))
                ;;
        show)
                if [ "$prev" = --convert ]; then
                        COMPREPLY=($(compgen -W 'v1 v2' -- "$cur"))
                elif [[ $cur == -* ]]; then
                        COMPREPLY=($(compgen -W '--json --convert --help' -- "$cur"))
                else
                        _cgbind_files "$cur"
                fi
                ;;
        *) ;;
        esac
        return 0
}

complete -F _cgbind cgbind
