from gridwalker.cli import main

main()
